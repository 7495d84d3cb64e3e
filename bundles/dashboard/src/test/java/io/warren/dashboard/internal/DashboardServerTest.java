package io.warren.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AdminAuthenticator;
import io.warren.api.CommandRunner;
import io.warren.testing.TestEventLoops;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

/** The dashboard's HTTP side on a real loopback socket, with the node's services faked. */
class DashboardServerTest {
  private final TestEventLoops loops = new TestEventLoops(1);
  private final List<List<String>> commands = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private DashboardServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    AdminAuthenticator admin = new AdminAuthenticator() {
      @Override
      public boolean authenticate(String user, char[] password, String source) {
        return user.equals("admin") && new String(password).equals("right") && source.equals("ip 127.0.0.1");
      }

      @Override
      public String adminUser() {
        return "admin";
      }
    };
    CommandRunner runner = new CommandRunner() {
      @Override
      public int execute(String line, InputStream in, java.io.PrintStream out, java.io.PrintStream err) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Outcome run(List<String> words) {
        commands.add(words);
        return switch (words.get(0)) {
          case "node:identity" -> new Outcome(true, "{\"name\":\"p\",\"peerId\":\"12D3KooWtest\"}");
          case "proxy:list", "node:bundles" -> new Outcome(true, "[]");
          case "proxy:add" -> new Outcome(true, "rule 1: ...");
          case "deploy:push" -> new Outcome(java.nio.file.Files.isRegularFile(java.nio.file.Path.of(words.get(
              words.size() - 1))), "io.example.x 1.0.0 ACTIVE: installed");
          default -> new Outcome(false, "unknown command: " + words.get(0));
        };
      }
    };
    BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {BundleContext.class}, (p, m, a) -> null);
    server = new DashboardServer(new DashboardSettings(true, "127.0.0.1", 0, Duration.ofMinutes(5),
        Duration.ofSeconds(1)), loops, admin, runner, context);
    base = "http://127.0.0.1:" + server.address().orElseThrow().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.deactivate();
    loops.close();
  }

  @Test
  void aLoginGivesAStrictCookieAndActionsNeedItsCsrfToken() throws Exception {
    HttpResponse<String> wrong = post("/login", "user=admin&password=wrong", Map.of());
    assertEquals(401, wrong.statusCode());
    assertTrue(wrong.headers().firstValue("set-cookie").isEmpty());
    assertEquals(401, get("/api/state", Map.of()).statusCode());

    HttpResponse<String> login = post("/login", "user=admin&password=right", Map.of());
    assertEquals(303, login.statusCode());
    String setCookie = login.headers().firstValue("set-cookie").orElseThrow();
    assertTrue(setCookie.contains("; HttpOnly") && setCookie.contains("; SameSite=Strict"), setCookie);
    Map<String, String> cookie = Map.of("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
    Matcher csrf = Pattern.compile("\"csrf\":\"([^\"]+)\"").matcher(get("/api/session", cookie).body());
    assertTrue(csrf.find());

    String add = "direction=egress&port=8084&peer=q:80";
    assertEquals(403, post("/api/rules/add", add, cookie).statusCode());
    assertEquals(403, post("/api/rules/add", add, with(cookie, "X-CSRF-Token", "nope")).statusCode());
    assertEquals(403, post("/api/rules/add", add,
        with(with(cookie, "X-CSRF-Token", csrf.group(1)), "Origin", "http://evil.example")).statusCode());
    assertTrue(commands.stream().noneMatch(w -> w.get(0).equals("proxy:add")), "no refused action ran: " + commands);
    HttpResponse<String> ok = post("/api/rules/add", add, with(cookie, "X-CSRF-Token", csrf.group(1)));
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(commands.contains(List.of("proxy:add", "--direction", "egress", "--port", "8084", "--target", "q:80")),
        commands.toString());

    HttpResponse<String> state = get("/api/state", cookie);
    assertEquals(200, state.statusCode());
    assertTrue(state.body().contains("\"node\":{\"name\":\"p\"") && state.body().contains("\"network\":{\"error\""),
        state.body());
  }

  @Test
  void aForeignHostNameIsRefusedAndPagesComeWithTheirPolicy() throws Exception {
    // a browser sends the name it resolved; HttpClient will not set Host, so the request is written by hand
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.address().orElseThrow().getPort())) {
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: rebound.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      assertEquals("HTTP/1.1 421 Misdirected Request", status);
    }
    HttpResponse<String> page = get("/", Map.of());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("action=\"/login\""));
    assertTrue(page.headers().firstValue("content-security-policy").orElse("").contains("default-src 'self'"));
    assertEquals(200, get("/static/app.js", Map.of()).statusCode());
    assertEquals(404, get("/static/../DashboardServer.class", Map.of()).statusCode());
  }

  @Test
  void aLivePageGetsStateEvents() throws Exception {
    String setCookie = post("/login", "user=admin&password=right", Map.of()).headers().firstValue("set-cookie")
        .orElseThrow();
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/events"))
        .header("Cookie", setCookie.substring(0, setCookie.indexOf(';'))).build();
    HttpResponse<InputStream> events = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream; charset=utf-8", events.headers().firstValue("content-type").orElse(""));
    try (BufferedReader r = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
      assertEquals("event: state", r.readLine());
      String data = r.readLine();
      assertTrue(data.startsWith("data: {") && data.contains("\"rules\":[]"), data);
      assertEquals("", r.readLine());
      assertEquals("event: state", r.readLine(), "and again at the next tick");
    }
    assertFalse(get("/api/events", Map.of()).statusCode() == 200, "no events without a login");
  }

  @Test
  void anUploadIsCheckedBeforeItIsPushed() throws Exception {
    int port = server.address().orElseThrow().getPort();
    assertTrue(raw(port, "POST /api/bundles/push?node=q HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")
        .startsWith("HTTP/1.1 403"), "no upload without a login");
    String setCookie = post("/login", "user=admin&password=right", Map.of()).headers().firstValue("set-cookie")
        .orElseThrow();
    Map<String, String> cookie = Map.of("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
    Matcher csrf = Pattern.compile("\"csrf\":\"([^\"]+)\"").matcher(get("/api/session", cookie).body());
    assertTrue(csrf.find());
    String headers = "Host: 127.0.0.1\r\nCookie: " + cookie.get("Cookie") + "\r\n";
    assertTrue(raw(port, "POST /api/bundles/push?node=q HTTP/1.1\r\n" + headers + "Content-Length: 100\r\n\r\n")
        .startsWith("HTTP/1.1 403"), "no upload without the CSRF token");
    String tooLarge = raw(port, "POST /api/bundles/push?node=q HTTP/1.1\r\n" + headers + "X-CSRF-Token: "
        + csrf.group(1) + "\r\nContent-Length: " + (BundlePush.MAX_BYTES + 1) + "\r\n\r\n");
    assertTrue(tooLarge.startsWith("HTTP/1.1 413") && tooLarge.contains("larger than 16 MiB"), tooLarge);
    assertTrue(raw(port, "POST /api/rules/add HTTP/1.1\r\n" + headers + "Content-Length: 20000\r\n\r\n")
        .startsWith("HTTP/1.1 413"), "other actions take 16 KiB");

    Map<String, String> auth = with(with(cookie, "X-CSRF-Token", csrf.group(1)), "X-Push-Credentials", "admin:x");
    HttpResponse<String> text = upload("/api/bundles/push?node=q&name=notes.txt", "hello".getBytes(), auth);
    assertEquals(400, text.statusCode(), text.body());
    assertTrue(text.body().contains("notes.txt is not a jar"), text.body());
    java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
    new java.util.jar.JarOutputStream(plain, new java.util.jar.Manifest()).close();
    HttpResponse<String> notBundle = upload("/api/bundles/push?node=q&name=plain.jar", plain.toByteArray(), auth);
    assertTrue(notBundle.statusCode() == 400 && notBundle.body().contains("not an OSGi bundle"), notBundle.body());
    assertTrue(commands.stream().noneMatch(w -> w.get(0).equals("deploy:push")), "nothing refused ran: " + commands);

    java.util.jar.Manifest m = new java.util.jar.Manifest();
    m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().putValue("Bundle-SymbolicName", "io.example.x");
    java.io.ByteArrayOutputStream jar = new java.io.ByteArrayOutputStream();
    new java.util.jar.JarOutputStream(jar, m).close();
    HttpResponse<String> ok = upload("/api/bundles/push?node=q&name=x.jar", jar.toByteArray(), auth);
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("ACTIVE"), ok.body());
    List<String> push = commands.stream().filter(w -> w.get(0).equals("deploy:push")).findFirst().orElseThrow();
    assertEquals(List.of("deploy:push", "--node", "q", "--credentials", "admin:x"), push.subList(0, 5));
    assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of(push.get(5))), "the upload is deleted after the push");
  }

  @Test
  void atMostTwoUploadsAreTakenAtOnce() {
    Sessions.Session s = server.sessions().open("admin");
    List<io.netty.channel.embedded.EmbeddedChannel> channels = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      channels.add(new io.netty.channel.embedded.EmbeddedChannel(new RequestLimits(server)));
    }
    java.util.function.IntPredicate taken = i -> {
      var req = new io.netty.handler.codec.http.DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
          io.netty.handler.codec.http.HttpMethod.POST, BundlePush.PATH + "?node=q");
      req.headers().set("Cookie", DashboardHandler.COOKIE + "=" + s.id()).set(DashboardHandler.CSRF_HEADER, s.csrf())
          .set("Content-Length", "10");
      channels.get(i).writeInbound(req);
      return channels.get(i).readInbound() != null;
    };
    assertTrue(taken.test(0) && taken.test(1));
    assertFalse(taken.test(2), "a third waits for neither");
    io.netty.handler.codec.http.FullHttpResponse busy = channels.get(2).readOutbound();
    assertEquals(503, busy.status().code());
    busy.release();
    channels.get(0).writeOutbound(new io.netty.handler.codec.http.DefaultFullHttpResponse(
        io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK));
    assertTrue(taken.test(3), "the first one's answer made room");
    channels.forEach(io.netty.channel.embedded.EmbeddedChannel::finishAndReleaseAll);
  }

  private static String raw(int port, String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private HttpResponse<String> upload(String path, byte[] body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/java-archive").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> m = new java.util.HashMap<>(headers);
    m.put(name, value);
    return m;
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String form, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

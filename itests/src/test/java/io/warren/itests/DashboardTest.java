package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.HttpEcho;
import io.warren.testing.Jars;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web dashboard against node processes. Plain HTTP first: a wrong password is refused, and an
 * action without (or with a wrong) CSRF token or from another origin changes nothing. Then an
 * operator in headless Chromium (Debian's chromium driven by playwright-core,
 * src/test/js/dashboard-browser.mjs): logs in, sees a second node appear when it starts, in the
 * table and on the overlay map (linked directly, with its own signed record), adds a proxy rule to
 * it and sees the rule's byte counter and the second node's per-peer chart move with traffic, pushes
 * the example bundle to it from the page (a text file first, refused), restarts a bundle, removes
 * the rule. The pushed bundle must then be active on the second node by its own node:bundles --json.
 */
class DashboardTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern CSRF = Pattern.compile("\"csrf\":\"([^\"]+)\"");
  private static final Pattern HELLO_ACTIVE =
      Pattern.compile("\"name\":\"io\\.warren\\.example\\.hello\"[^}]*\"state\":\"active\"");
  private static final Path ITESTS = Path.of(System.getProperty("warren.itests.dir", "."));
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void anOperatorWorksTheNetworkFromABrowser() throws Exception {
    int port = NodeProcess.freePort();
    String base = "http://127.0.0.1:" + port;
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    Jars.Publisher publisher = Jars.publisher(dir.resolve("keys"), "publisher");
    Path hello = Jars.sign(Path.of(System.getProperty("warren.example.jar")), dir.resolve("hello.jar"), publisher);
    try (HttpEcho echo = HttpEcho.start();
        NodeProcess p = NodeProcess.start(pHome, dir.resolve("p/data"), "-dnc", "mynet:NetPass", "-rc",
            "admin:PAdmin", "--dashboard-port", Integer.toString(port))) {
      p.awaitReady();
      assertEquals("127.0.0.1:" + port, p.banner("dashboard"), p.out());
      String pId = p.banner("peer ID");

      // a wrong password gets no session
      HttpResponse<String> wrong = post(base + "/login", "user=admin&password=nope", Map.of());
      assertEquals(401, wrong.statusCode(), wrong.body());
      assertTrue(wrong.headers().firstValue("set-cookie").isEmpty(), wrong.headers().map().toString());
      assertTrue(wrong.body().contains("Wrong user name or password"), wrong.body());
      assertEquals(401, get(base + "/api/state", Map.of()).statusCode(), "no state without a login");

      // the right one does; an action then needs the session's CSRF token and this origin
      HttpResponse<String> login = post(base + "/login", "user=admin&password=PAdmin", Map.of());
      assertEquals(303, login.statusCode(), login.body());
      String setCookie = login.headers().firstValue("set-cookie").orElseThrow();
      assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
      Map<String, String> cookie = Map.of("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
      Matcher csrf = CSRF.matcher(get(base + "/api/session", cookie).body());
      assertTrue(csrf.find());
      String add = "direction=egress&port=" + NodeProcess.freePort() + "&peer=" + pId + ":1";
      HttpResponse<String> noToken = post(base + "/api/rules/add", add, cookie);
      assertEquals(403, noToken.statusCode(), noToken.body());
      assertTrue(noToken.body().contains("X-CSRF-Token"), noToken.body());
      HttpResponse<String> wrongToken = post(base + "/api/rules/add", add, with(cookie, "X-CSRF-Token", "forged"));
      assertEquals(403, wrongToken.statusCode(), wrongToken.body());
      HttpResponse<String> otherOrigin = post(base + "/api/bundles/restart", "id=1",
          with(with(cookie, "X-CSRF-Token", csrf.group(1)), "Origin", "http://attacker.example"));
      assertEquals(403, otherOrigin.statusCode(), otherOrigin.body());
      assertEquals("[]", p.client("proxy:list", "--json").out().strip(), "no refused action added a rule");
      HttpResponse<String> withToken = post(base + "/api/rules/add", add, with(cookie, "X-CSRF-Token", csrf.group(1)));
      assertEquals(400, withToken.statusCode(), "the token lets the action through to proxy:add, which refuses "
          + "this node as a target: " + withToken.body());
      assertTrue(withToken.body().contains("is this node"), withToken.body());

      // the browser: logged in while P is alone, it sees Q appear and works a rule to it
      Path out = dir.resolve("browser.out");
      Path err = dir.resolve("browser.err");
      ProcessBuilder pb = new ProcessBuilder("node", ITESTS.resolve("src/test/js/dashboard-browser.mjs").toString())
          .directory(ITESTS.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(Map.of("DASHBOARD_URL", base + "/", "DASHBOARD_USER", "admin", "DASHBOARD_PASSWORD",
          "PAdmin", "SECOND_NODE", "q", "RULE_PORT", Integer.toString(NodeProcess.freePort()), "RULE_TARGET",
          "q:" + echo.port(), "RESTART_BUNDLE", "io.warren.iot", "STEP_TIMEOUT_MS", "60000"));
      pb.environment().putAll(Map.of("PUSH_JAR", hello.toString(), "PUSH_CREDENTIALS", "admin:QAdmin", "NOT_A_JAR",
          Files.writeString(dir.resolve("notes.txt"), "not a bundle\n").toString()));
      Process browser = pb.start();
      try {
        Await.until(WAIT, NodeProcess.CLIENT_POLL,
            () -> !browser.isAlive() || Files.readString(out).contains("step: logged in"), "the browser to log in");
        assertTrue(Files.readString(out).contains("step: logged in, 1 node(s)"), browser(out, err));
        try (NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin",
            p.identity())) {
          Result ingress = q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
              Integer.toString(echo.port()));
          assertEquals(0, ingress.exit(), ingress.toString());
          Result trust = q.client("deploy:trust", "add", publisher.certificate().toString());
          assertEquals(0, trust.exit(), trust.toString());
          assertTrue(browser.waitFor(180, TimeUnit.SECONDS), "the browser did not finish: " + browser(out, err));
          assertEquals(0, browser.exitValue(), browser(out, err));
          String bundles = q.client("node:bundles", "--json").out();
          assertTrue(HELLO_ACTIVE.matcher(bundles).find(),
              "the bundle pushed from the page is active on q: " + bundles);
        }
      } finally {
        browser.destroyForcibly();
      }
      String steps = Files.readString(out);
      System.out.print(steps);
      for (String reached : new String[] {"step: saw node q", "step: map: q linked directly", "step: traffic counted",
          "step: peer traffic charted: q", "step: non-jar refused: notes.txt is not a jar", "step: pushed: ",
          "step: restarted io.warren.iot", "step: rule removed"}) {
        assertTrue(steps.contains(reached), reached + " in\n" + steps);
      }
      assertEquals("[]", p.client("proxy:list", "--json").out().strip(), "the rule the browser removed is gone");
    }
  }

  private static String browser(Path out, Path err) throws Exception {
    return "browser out:\n" + Files.readString(out) + "\nbrowser err:\n" + Files.readString(err);
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> m = new java.util.HashMap<>(headers);
    m.put(name, value);
    return m;
  }

  private HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String form, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

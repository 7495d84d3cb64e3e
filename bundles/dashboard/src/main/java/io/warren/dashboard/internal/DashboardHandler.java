package io.warren.dashboard.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.warren.api.AuthenticationException;
import io.warren.api.CommandRunner;
import io.warren.api.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests. Pages and scripts are the bundle's own resources; everything else
 * needs a login (the node's admin credentials, through api's {@code AdminAuthenticator}, limited per
 * source address), carried by an HttpOnly, SameSite=Strict cookie; every POST but the login also
 * needs the session's CSRF token in {@value #CSRF_HEADER} and, when the browser sends one, an
 * Origin equal to the Host. Work that blocks (a bcrypt check, a console command) goes to the
 * dashboard's workers, never onto the event loop.
 */
final class DashboardHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String COOKIE = "warren_dashboard";
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final Logger LOG = LoggerFactory.getLogger(DashboardHandler.class);
  private static final String CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
      + "form-action 'self'; base-uri 'none'";
  private final DashboardServer server;

  DashboardHandler(DashboardServer server) {
    this.server = server;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (!req.decoderResult().isSuccess()) {
      send(ctx, text(HttpResponseStatus.BAD_REQUEST, "bad request"), false);
      return;
    }
    if (!server.hostAllowed(req.headers().get(HttpHeaderNames.HOST))) {
      send(ctx, text(HttpResponseStatus.MISDIRECTED_REQUEST, "this dashboard is not served under that host name"),
          false);
      return;
    }
    String path = new QueryStringDecoder(req.uri()).path();
    HttpMethod method = req.method();
    Optional<Sessions.Session> session = server.sessions().find(cookie(req.headers()));
    if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
      get(ctx, path, session, keepAlive);
      return;
    }
    if (!method.equals(HttpMethod.POST)) {
      send(ctx, text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and POST"), keepAlive);
      return;
    }
    if (!sameOrigin(req.headers())) {
      send(ctx, text(HttpResponseStatus.FORBIDDEN, "cross-origin request refused"), false);
      return;
    }
    // an upload's body is a jar, not a form
    Map<String, List<String>> form = path.equals(BundlePush.PATH) ? Map.of()
        : new QueryStringDecoder(req.content().toString(StandardCharsets.UTF_8), false).parameters();
    if (path.equals("/login")) {
      login(ctx, form, keepAlive);
      return;
    }
    if (session.isEmpty()) {
      send(ctx, json(HttpResponseStatus.UNAUTHORIZED, error("log in first")), keepAlive);
      return;
    }
    if (!session.get().csrfMatches(req.headers().get(CSRF_HEADER))) {
      LOG.warn("dashboard: {} {} from {} without the session's CSRF token; refused", method, path, remote(ctx));
      send(ctx, json(HttpResponseStatus.FORBIDDEN, error("missing or wrong " + CSRF_HEADER)), keepAlive);
      return;
    }
    switch (path) {
      case "/logout" -> {
        server.sessions().close(session.get().id());
        FullHttpResponse r = json(HttpResponseStatus.OK, Json.write(Map.of("ok", true)));
        r.headers().add(HttpHeaderNames.SET_COOKIE, COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        send(ctx, r, keepAlive);
      }
      case "/api/rules/add" -> command(ctx, keepAlive, addRule(form));
      case "/api/rules/remove" -> command(ctx, keepAlive, List.of("proxy:remove", one(form, "id")));
      case "/api/bundles/restart" -> work(ctx, keepAlive, () -> {
        long id;
        try {
          id = Long.parseLong(one(form, "id"));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("id must be a bundle number");
        }
        return server.view().restart(id);
      });
      case BundlePush.PATH -> {
        Map<String, List<String>> query = new QueryStringDecoder(req.uri()).parameters();
        String node = one(query, "node");
        String name = one(query, "name").isEmpty() ? "the upload" : one(query, "name");
        // the page encodes it as a URI component: a header carries Latin-1 only
        String credentials = QueryStringDecoder.decodeComponent(
            Optional.ofNullable(req.headers().get(BundlePush.CREDENTIALS_HEADER)).orElse("")).strip();
        byte[] jar = ByteBufUtil.getBytes(req.content());
        work(ctx, keepAlive, () -> server.view().push(node, credentials, name, jar));
      }
      default -> send(ctx, json(HttpResponseStatus.NOT_FOUND, error("no action " + path)), keepAlive);
    }
  }

  private void get(ChannelHandlerContext ctx, String path, Optional<Sessions.Session> session, boolean keepAlive) {
    switch (path) {
      case "/" -> send(ctx, page(session.isPresent() ? server.pages().app() : server.pages().login("")), keepAlive);
      case "/api/session" -> send(ctx, session.isEmpty() ? json(HttpResponseStatus.UNAUTHORIZED, error("log in first"))
          : json(HttpResponseStatus.OK,
              Json.write(Map.of("user", session.get().user(), "csrf", session.get().csrf(), "maxUpload",
                  BundlePush.MAX_BYTES))),
          keepAlive);
      case "/api/state" -> {
        if (session.isEmpty()) {
          send(ctx, json(HttpResponseStatus.UNAUTHORIZED, error("log in first")), keepAlive);
        } else {
          work(ctx, keepAlive, () -> new Json.Raw(server.view().state()));
        }
      }
      case "/api/events" -> {
        if (session.isEmpty()) {
          send(ctx, json(HttpResponseStatus.UNAUTHORIZED, error("log in first")), false);
        } else if (!server.subscribe(ctx.channel(), session.get().id())) {
          send(ctx, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many live pages open"), false);
        } else {
          HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
          r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
          r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
          ctx.writeAndFlush(r);
          server.sendStateSoon(ctx.channel());
        }
      }
      default -> {
        Optional<Pages.Resource> res = server.pages().resource(path);
        if (res.isPresent()) {
          FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
              Unpooled.wrappedBuffer(res.get().bytes()));
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, res.get().type());
          send(ctx, r, keepAlive);
        } else {
          send(ctx, text(HttpResponseStatus.NOT_FOUND, "not found"), keepAlive);
        }
      }
    }
  }

  private void login(ChannelHandlerContext ctx, Map<String, List<String>> form, boolean keepAlive) {
    String user = form.getOrDefault("user", List.of("")).get(0);
    char[] password = form.getOrDefault("password", List.of("")).get(0).toCharArray();
    String source = "ip " + remote(ctx);
    try {
      server.workers().execute(() -> {
        FullHttpResponse r;
        try {
          if (server.authenticator().authenticate(user, password, source)) {
            Sessions.Session s = server.sessions().open(user);
            LOG.info("dashboard: {} logged in from {}", user, source);
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
            r.headers().set(HttpHeaderNames.LOCATION, "/");
            r.headers().add(HttpHeaderNames.SET_COOKIE, COOKIE + "=" + s.id() + "; Path=/; HttpOnly; SameSite=Strict");
          } else {
            LOG.warn("dashboard: failed login as '{}' from {}", user, source);
            r = page(server.pages().login("Wrong user name or password."));
            r.setStatus(HttpResponseStatus.UNAUTHORIZED);
          }
        } catch (AuthenticationException e) {
          r = page(server.pages().login(e.getMessage()));
          r.setStatus(HttpResponseStatus.TOO_MANY_REQUESTS);
        } finally {
          java.util.Arrays.fill(password, '\0');
        }
        send(ctx, r, keepAlive);
      });
    } catch (RejectedExecutionException e) {
      send(ctx, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, try again"), false);
    }
  }

  private static List<String> addRule(Map<String, List<String>> form) {
    String direction = one(form, "direction");
    List<String> words = new ArrayList<>(List.of("proxy:add", "--direction", direction, "--port", one(form, "port")));
    String peer = one(form, "peer");
    words.add(direction.equals("ingress") ? "--origin" : "--target");
    words.add(peer);
    String expires = one(form, "expires");
    if (!expires.isEmpty()) {
      words.add("--expires");
      words.add(expires);
    }
    return words;
  }

  private void command(ChannelHandlerContext ctx, boolean keepAlive, List<String> words) {
    work(ctx, keepAlive, () -> {
      CommandRunner.Outcome o = server.view().run(words);
      if (!o.ok()) {
        throw new IllegalArgumentException(o.text());
      }
      return o.text();
    });
  }

  /** Something that blocks, answered with {"ok":true,"result":...} or {"ok":false,"error":...}. */
  private interface Work {
    Object call() throws Exception;
  }

  private void work(ChannelHandlerContext ctx, boolean keepAlive, Work w) {
    try {
      server.workers().execute(() -> {
        FullHttpResponse r;
        try {
          Object result = w.call();
          r = result instanceof Json.Raw raw ? json(HttpResponseStatus.OK, raw.json())
              : json(HttpResponseStatus.OK, Json.write(Map.of("ok", true, "result", result)));
        } catch (IllegalArgumentException e) {
          r = json(HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
        } catch (Exception e) {
          LOG.warn("dashboard: action failed", e);
          r = json(HttpResponseStatus.INTERNAL_SERVER_ERROR, error(CommandRunner.describe(e)));
        }
        send(ctx, r, keepAlive);
      });
    } catch (RejectedExecutionException e) {
      send(ctx, json(HttpResponseStatus.SERVICE_UNAVAILABLE, error("busy, try again")), false);
    }
  }

  private static String one(Map<String, List<String>> form, String name) {
    List<String> v = form.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0).strip();
  }

  static String error(String message) {
    return Json.write(Map.of("ok", false, "error", message == null ? "failed" : message));
  }

  /** A browser sends Origin on a cross-site POST; it must name this server as the Host does. */
  private static boolean sameOrigin(HttpHeaders h) {
    String origin = h.get(HttpHeaderNames.ORIGIN);
    if (origin == null) {
      return true;
    }
    try {
      URI o = URI.create(origin);
      String host = h.get(HttpHeaderNames.HOST);
      return host != null && "http".equals(o.getScheme()) && o.getRawAuthority() != null
          && o.getRawAuthority().equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static String cookie(HttpHeaders h) {
    String header = h.get(HttpHeaderNames.COOKIE);
    if (header == null) {
      return null;
    }
    for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
      if (c.name().equals(COOKIE)) {
        return c.value();
      }
    }
    return null;
  }

  private static String remote(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "unknown";
  }

  private static FullHttpResponse page(String html) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.copiedBuffer(html, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    return r;
  }

  static FullHttpResponse json(HttpResponseStatus status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    return r;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    r.headers().set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP);
    r.headers().set("X-Content-Type-Options", "nosniff");
    r.headers().set("X-Frame-Options", "DENY");
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    if (keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r);
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("dashboard: connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}

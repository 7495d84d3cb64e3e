package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.warren.api.PeerDirectory;
import io.warren.api.TransportException;
import io.warren.api.channel.PeerHealth;
import io.warren.testing.Await;
import io.warren.testing.FakeDirectory;
import io.warren.testing.TestEventLoops;
import io.warren.tls.TlsCertificates;
import io.warren.tls.TlsCertificates.Mode;
import io.warren.tls.TlsCertificates.Route;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listener over real loopback sockets: SNI picks the certificate; unknown or missing SNI is refused with an alert. */
class TlsListenerTest {
  private static final String HOST = "app.example.test";
  private static final String PASS = "private.example.test";
  /** A libp2p node this test cannot reach: its health checks fail. */
  private static final String FAR = "libp2p:12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
  private final TestEventLoops loops = new TestEventLoops();
  private final LinkedBlockingQueue<String> opened = new LinkedBlockingQueue<>();
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private SelfSignedCertificate cert;
  private SelfSignedCertificate backend;
  private SSLServerSocket backendServer;
  private TlsListener listener;
  private Targets targets;
  private PeerDirectory directory;
  private SSLContext client;

  @BeforeEach
  void start() throws Exception {
    cert = new SelfSignedCertificate(HOST);
    SslContext server = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.JDK).build();
    directory = new FakeDirectory().opening((peer, protocolId) -> {
      if (!protocolId.equals(PeerHealth.PING)) { // the health checks are not what most tests look at
        opened.add(peer + " " + protocolId);
      }
      return CompletableFuture.failedFuture(new TransportException("no transport in this test"));
    });
    backend = new SelfSignedCertificate(PASS);
    SSLContext backendCtx = SSLContext.getInstance("TLS");
    KeyStore bks = KeyStore.getInstance(KeyStore.getDefaultType());
    bks.load(null, null);
    bks.setKeyEntry("k", backend.key(), new char[0], new java.security.cert.Certificate[] {backend.cert()});
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(bks, new char[0]);
    backendCtx.init(kmf.getKeyManagers(), null, null);
    backendServer = (SSLServerSocket) backendCtx.getServerSocketFactory().createServerSocket(0, 50,
        InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::serveBackend, "backend");
    t.setDaemon(true);
    t.start();
    routes.put(HOST, new Route(HOST, "test:q", 8080, Mode.TERMINATE));
    routes.put(PASS, new Route(PASS, TlsService.LOCAL, backendServer.getLocalPort(), Mode.PASSTHROUGH));
    targets = new Targets(directory, loops, routes::values, Duration.ofSeconds(1));
    listener =
        new TlsListener(loops, directory, targets, "127.0.0.1", 0, new TlsListener.Limits(64, 4, Duration.ofSeconds(2)),
            Map.of(HOST, server)::get, routes::get);
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("self", cert.cert());
    ks.setCertificateEntry("backend", backend.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
  }

  /** The private node's TLS server: terminates with its own key and answers one line per connection. */
  private void serveBackend() {
    while (!backendServer.isClosed()) {
      try (Socket s = backendServer.accept()) {
        s.setSoTimeout(10_000);
        int b = s.getInputStream().read();
        s.getOutputStream().write(("backend got " + (char) b + "\n").getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        // next connection, or closed
      }
    }
  }

  @AfterEach
  void stop() throws IOException {
    backendServer.close();
    backend.delete();
    listener.close();
    targets.close();
    loops.close();
    cert.delete();
  }

  private SSLSocket connect(String sni) throws Exception {
    SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", listener.port());
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    s.setSSLParameters(p);
    return s;
  }

  @Test
  void aRoutedNameIsServedItsCertificateAndItsTargetIsDialed() throws Exception {
    try (SSLSocket s = connect(HOST)) {
      s.startHandshake();
      assertEquals(cert.cert(), s.getSession().getPeerCertificates()[0]);
      assertEquals("test:q " + io.warren.api.channel.IngressWire.PROTOCOL, opened.poll(10, TimeUnit.SECONDS));
      assertEquals(-1, s.getInputStream().read(), "the target cannot be reached here: the client is closed");
    }
  }

  @Test
  void withOpenSslTheStoredKeyServesItsNameToo() throws Exception {
    Engine engine = Engine.choose(true);
    assertEquals(SslProvider.OPENSSL, engine.provider(), "netty-tcnative loads on this machine: "
        + engine.description());
    KeyRing.Loaded k = KeyRing.parse(new TlsStore.Stored("app", java.nio.file.Files.readString(
        cert.privateKey().toPath()), java.nio.file.Files.readString(cert.certificate().toPath()), "import"), engine);
    TlsListener openssl = new TlsListener(loops, directory, targets, "127.0.0.1", 0,
        new TlsListener.Limits(64, 4, Duration.ofSeconds(2)), Map.of(HOST, k.context())::get, routes::get);
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", openssl.port())) {
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(HOST)));
      s.setSSLParameters(p);
      s.startHandshake();
      assertEquals(cert.cert(), s.getSession().getPeerCertificates()[0]);
      assertTrue(k.context() instanceof io.netty.handler.ssl.OpenSslContext, k.context().getClass().getName());
    } finally {
      openssl.close();
    }
  }

  @Test
  void anUnknownNameGetsAnUnrecognizedNameAlert() throws Exception {
    try (SSLSocket s = connect("other.example.test")) {
      SSLException e = assertThrows(SSLException.class, s::startHandshake);
      assertTrue(e.getMessage().contains("unrecognized_name"), e.toString());
    }
    assertTrue(opened.isEmpty(), "nothing is dialed for a refused name");
  }

  @Test
  void aClientHelloWithoutSniIsRefused() throws Exception {
    try (SSLSocket s = connect(null)) {
      SSLException e = assertThrows(SSLException.class, s::startHandshake);
      assertTrue(e.getMessage().contains("unrecognized_name"), e.toString());
    }
  }

  @Test
  void bytesThatAreNotTlsCloseTheConnection() throws Exception {
    try (Socket s = new Socket("127.0.0.1", listener.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n".getBytes());
      InputStream in = s.getInputStream();
      while (in.read() != -1) {
        // whatever comes before the close
      }
    }
    try (SSLSocket s = connect(HOST)) {
      s.startHandshake(); // the listener still serves
    }
  }

  @Test
  void aPassthroughNameReachesTheTargetUntouchedWhichTerminatesWithItsOwnKey() throws Exception {
    try (SSLSocket s = connect(PASS)) {
      s.startHandshake();
      assertEquals(backend.cert(), s.getSession().getPeerCertificates()[0], "the backend's certificate, not ours");
      s.getOutputStream().write('x');
      s.getOutputStream().flush();
      assertEquals("backend got x", new String(s.getInputStream().readNBytes(13), StandardCharsets.US_ASCII));
    }
    assertTrue(opened.isEmpty(), "a localhost target is not dialed through the overlay");
  }

  @Test
  void aTargetThatCannotBeReachedIsSkippedForTheRoutesNext() throws Exception {
    int closed;
    try (java.net.ServerSocket gone = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = gone.getLocalPort();
    }
    routes.put(PASS, new Route(PASS, List.of(new TlsCertificates.Target(TlsService.LOCAL, closed),
        new TlsCertificates.Target(TlsService.LOCAL, backendServer.getLocalPort())), Mode.PASSTHROUGH));
    try (SSLSocket s = connect(PASS)) {
      s.startHandshake();
      assertEquals(backend.cert(), s.getSession().getPeerCertificates()[0], "the second target answered");
      s.getOutputStream().write('y');
      s.getOutputStream().flush();
      assertEquals("backend got y", new String(s.getInputStream().readNBytes(13), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void aTargetWhoseNodeDoesNotAnswerItsCheckIsTriedAfterTheLiveOnes() throws Exception {
    Route two = new Route(HOST, List.of(new TlsCertificates.Target(FAR, 8080),
        new TlsCertificates.Target(TlsService.LOCAL, 8080)), Mode.TERMINATE);
    routes.put(HOST, two);
    // FAR's ping fails here (no transport): once checked, it is not live and goes last
    Await.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> !targets.live(two.targets().get(0)),
        "FAR checked and found not live");
    assertEquals(List.of(two.targets().get(1), two.targets().get(0)), targets.order(two));
    TlsCertificates.TargetState q = targets.states(two).get(0);
    assertTrue(!q.live() && q.since() != null && q.detail().contains("no transport in this test"), q.toString());
    assertTrue(targets.states(two).get(1).live(), "localhost is always live");
  }

  @Test
  void unknownNamesAndNoSniGoToTheDefaultRouteWhenThereIsOne() throws Exception {
    routes.put(TlsCertificates.DEFAULT_ROUTE,
        new Route("*", TlsService.LOCAL, backendServer.getLocalPort(), Mode.PASSTHROUGH));
    for (String sni : new String[] {"other.example.test", null}) {
      try (SSLSocket s = connect(sni)) {
        s.startHandshake();
        assertEquals(backend.cert(), s.getSession().getPeerCertificates()[0], String.valueOf(sni));
      }
    }
  }

  @Test
  void aTruncatedClientHelloIsClosedAtTheHandshakeDeadline() throws Exception {
    try (Socket s = new Socket("127.0.0.1", listener.port())) {
      s.setSoTimeout(30_000);
      // a handshake record announcing 512 bytes, of which 5 come
      s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03});
      assertEquals(-1, s.getInputStream().read(), "closed, nothing answered");
    }
    try (SSLSocket s = connect(HOST)) {
      s.startHandshake();
    }
  }

  @Test
  void oneSourceHoldsAtMostItsHandshakesAndOthersAreStillServed() throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) { // from 127.0.0.2: silent, never a ClientHello
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.2", 0));
        s.connect(new InetSocketAddress("127.0.0.1", listener.port()));
        held.add(s);
      }
      InetAddress two = InetAddress.getByName("127.0.0.2");
      Await.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> listener.handshaking(two) == 4,
          "4 handshakes of 127.0.0.2 in progress");
      try (SSLSocket s = connect(HOST)) { // another source is served meanwhile
        s.startHandshake();
      }
      Await.until(Duration.ofSeconds(20), Duration.ofMillis(50), () -> listener.handshaking(two) == 0,
          "the silent ones closed at the deadline");
      for (Socket s : held) {
        s.setSoTimeout(10_000);
        assertEquals(-1, s.getInputStream().read());
      }
      assertEquals(16, listener.total(TlsListener.Outcome.OVER_SOURCE), "closed at accept");
      assertEquals(4, listener.total(TlsListener.Outcome.HANDSHAKE_TIMEOUT), "closed at the deadline");
      assertTrue(listener.samples().stream().anyMatch(m -> m.selector().equals(
          "warren_tls_connections_total{outcome=\"over_source\"}") && m.value() == 16), listener.samples().toString());
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void anAcmeTlsAlpnValidationGetsTheChallengeCertificateOnlyWhileARequestRuns() throws Exception {
    String name = "alpn.example.test";
    SelfSignedCertificate challenge = new SelfSignedCertificate(name);
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("challenge", challenge.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext acme = SSLContext.getInstance("TLS");
    acme.init(null, tmf.getTrustManagers(), null);
    AcmeClient.Challenges c = listener.acmeChallenges();
    c.answerTls(name, new java.security.KeyPair(challenge.cert().getPublicKey(), challenge.key()), challenge.cert());
    try (SSLSocket s = (SSLSocket) acme.getSocketFactory().createSocket("127.0.0.1", listener.port())) {
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(name)));
      p.setApplicationProtocols(new String[] {HelloRouter.ACME_TLS});
      s.setSSLParameters(p);
      s.startHandshake();
      assertEquals(challenge.cert(), s.getSession().getPeerCertificates()[0]);
      assertEquals(HelloRouter.ACME_TLS, s.getApplicationProtocol());
    }
    try (SSLSocket s = connect(name)) { // without acme-tls/1 the name is routed as any other: none here
      assertThrows(SSLException.class, s::startHandshake);
    }
    c.close();
    try (SSLSocket s = (SSLSocket) acme.getSocketFactory().createSocket("127.0.0.1", listener.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(name)));
      p.setApplicationProtocols(new String[] {HelloRouter.ACME_TLS});
      s.setSSLParameters(p);
      assertThrows(SSLException.class, s::startHandshake, "the request is over");
    }
    assertTrue(opened.isEmpty(), "a validation is not forwarded");
    challenge.delete();
  }
}

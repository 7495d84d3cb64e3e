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
import io.warren.testing.FakeDirectory;
import io.warren.testing.TestEventLoops;
import io.warren.tls.TlsCertificates.Route;
import java.io.InputStream;
import java.net.Socket;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listener over real loopback sockets: SNI picks the certificate; unknown or missing SNI is refused with an alert. */
class TlsListenerTest {
  private static final String HOST = "app.example.test";
  private final TestEventLoops loops = new TestEventLoops();
  private final LinkedBlockingQueue<String> opened = new LinkedBlockingQueue<>();
  private SelfSignedCertificate cert;
  private TlsListener listener;
  private SSLContext client;

  @BeforeEach
  void start() throws Exception {
    cert = new SelfSignedCertificate(HOST);
    SslContext server = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.JDK).build();
    PeerDirectory directory = new FakeDirectory().opening((peer, protocolId) -> {
      opened.add(peer + " " + protocolId);
      return CompletableFuture.failedFuture(new TransportException("no transport in this test"));
    });
    Map<String, Route> routes = Map.of(HOST, new Route(HOST, "test:q", 8080));
    listener = new TlsListener(loops, directory, "127.0.0.1", 0, 16, Map.of(HOST, server)::get, routes::get);
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("self", cert.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
  }

  @AfterEach
  void stop() {
    listener.close();
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
}

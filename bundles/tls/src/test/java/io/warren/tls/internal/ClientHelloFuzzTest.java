package io.warren.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.warren.testing.Fuzz;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets for what the TLS bundle reads from strangers before any key is used: a ClientHello's
 * SNI and ALPN ({@link ClientHellos}, never an exception, never a read past the buffer) and a
 * {@code tls:copy} payload ({@link KeyCopy#parse}: fields or an {@link IllegalArgumentException}).
 */
class ClientHelloFuzzTest {

  /** A real ClientHello body from the JDK (record and handshake headers stripped). */
  static byte[] clientHello(String sni, String... alpn) throws Exception {
    SSLEngine e = SSLContext.getDefault().createSSLEngine();
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    p.setApplicationProtocols(alpn);
    e.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] body = new byte[out.remaining() - 9];
    out.position(9);
    out.get(body);
    return body;
  }

  @Test
  void theSniAndAlpnOfARealClientHello() throws Exception {
    ClientHellos.Hello h = ClientHellos.parse(Unpooled.wrappedBuffer(clientHello("App.Example.Test", "acme-tls/1",
        "h2")));
    assertEquals("app.example.test", h.hostname());
    assertEquals(List.of("acme-tls/1", "h2"), h.protocols());
  }

  @Provide
  Arbitrary<byte[]> hellos() throws Exception {
    return Fuzz.bytes(2048, List.of(clientHello("a.example.test", "acme-tls/1"), clientHello("b.example.test"),
        KeyCopy.payload("k", "CHAIN", "KEY")));
  }

  @Property(seed = Fuzz.SEED)
  void aClientHelloGivesWhatItSaysOrNothing(@ForAll("hellos") byte[] input) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    Fuzz.expect(input, () -> {
      ClientHellos.Hello h = ClientHellos.parse(in);
      assertTrue(h.hostname() == null || h.hostname().length() <= input.length);
      assertEquals(0, in.readerIndex(), "read by index only");
    });
  }

  @Property(seed = Fuzz.SEED)
  void aCopyPayloadGivesItsFieldsOrARefusal(@ForAll("hellos") byte[] input) {
    Fuzz.expect(input, () -> assertEquals(3, KeyCopy.parse(input).length), IllegalArgumentException.class,
        java.nio.BufferUnderflowException.class);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzClientHello(byte[] input) {
    aClientHelloGivesWhatItSaysOrNothing(input);
    aCopyPayloadGivesItsFieldsOrARefusal(input);
  }
}

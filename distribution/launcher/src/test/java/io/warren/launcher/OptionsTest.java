package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class OptionsTest {
  private static String message(String... args) {
    return assertThrows(UsageException.class, () -> Options.parse(args)).getMessage();
  }

  @Test
  void noFlagsMeansDefaults() throws Exception {
    Options o = Options.parse();
    assertTrue(o.dataDir().isEmpty());
    assertTrue(o.rootCredentials().isEmpty());
    assertTrue(o.console());
    assertFalse(o.install());
  }

  @Test
  void longShortAndEqualsFormsAreAccepted() throws Exception {
    String bs =
        Base64.getEncoder().encodeToString("{\"name\":\"p\",\"addresses\":[]}".getBytes(StandardCharsets.UTF_8));
    Options o = Options.parse("-rc", "admin:pw", "-dnc=mynet:NetPass", "-bs", bs, "--data-dir=/tmp/x/../y");
    assertEquals("admin:pw", o.rootCredentials().orElseThrow());
    assertEquals("mynet:NetPass", o.networkCredentials().orElseThrow());
    assertEquals(bs, o.bootstrap().orElseThrow());
    assertEquals(Path.of("/tmp/y"), o.dataDir().orElseThrow());
    assertEquals(0, Options.parse("--relay-port", "0").relayPort().orElseThrow());
    assertEquals(8101, Options.parse("--ssh-port=8101").sshPort().orElseThrow());
    assertTrue(Options.parse().sshPort().isEmpty(), "no SSH unless asked for");
    assertEquals(9464, Options.parse("--metrics-port", "9464").metricsPort().orElseThrow());
    assertTrue(Options.parse().metricsPort().isEmpty(), "no metrics endpoint unless asked for");
    assertEquals(8090, Options.parse("--dashboard-port", "8090").dashboardPort().orElseThrow());
    assertTrue(Options.parse().dashboardPort().isEmpty(), "no dashboard unless asked for");
    assertEquals("admin:pw", Options.parse("--root-credentials", "admin:pw").rootCredentials().orElseThrow());
  }

  @Test
  void badInputSaysWhatIsWrong() {
    assertEquals("unknown option --frobnicate (see warren --help)", message("--frobnicate"));
    assertTrue(message("-rc", "nopassword").contains("user:password"));
    assertTrue(message("-rc", "admin:").contains("empty"));
    assertTrue(message("-rc", "bad user:pw").contains("user name"));
    assertTrue(message("-rc", "admin:hashed_nothash").contains("bcrypt"));
    assertTrue(message("-rc").contains("needs a value"));
    assertTrue(message("-dnc", "justname").contains("network:password"));
    assertTrue(message("-bs", "%%%").contains("base64"));
    assertTrue(message("-bs", Base64.getEncoder().encodeToString("hello".getBytes())).contains("identity"));
    assertTrue(message("--install", "--uninstall").contains("exclude"));
    assertTrue(message("stray").contains("unexpected argument"));
    assertTrue(message("--relay-port", "70000").contains("0-65535"));
    assertTrue(message("--relay-port", "x").contains("port number"));
    assertTrue(message("--ssh-port", "-1").contains("0-65535"));
    assertTrue(message("--p2p-port", "65536").contains("0-65535"));
  }

  @Test
  void p2pPortSetsWhereLibp2pListens() throws Exception {
    assertEquals(java.util.Map.of("io.warren.libp2p", java.util.Map.of("listen.addresses", "/ip4/0.0.0.0/tcp/4200")),
        Options.parse("--p2p-port", "4200").settings());
    assertTrue(Options.parse().settings().isEmpty(), "without it, the configuration's listen addresses");
  }

  @Test
  void bcryptHashesAreAcceptedInHashedForm() throws Exception {
    String hash = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
    assertEquals("ops:hashed_" + hash, Options.parse("-rc", "ops:hashed_" + hash).rootCredentials().orElseThrow());
  }
}

package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeedAliasesTest {
  private static List<String> t(String... words) throws UsageException {
    return SeedAliases.translate(List.of(words));
  }

  private static String refused(String... words) {
    return assertThrows(UsageException.class, () -> t(words)).getMessage();
  }

  @Test
  void theSeedsCommandsBecomeConsoleCommands() throws UsageException {
    assertEquals(List.of("node:identity", "--b64"), t("identity", "--b64"));
    assertEquals(List.of("node:identity"), t("id"));
    assertEquals(List.of("net:nodes", "--json"), t("nodes"));
    assertEquals(List.of("net:nodes"), t("nodes", "--ls"));
    assertEquals(List.of("proxy:add", "--direction", "egress", "--port", "8084", "--target", "q:1984"),
        t("proxy", "--direction", "egress", "--target", "q:1984", "--port", "8084"));
    assertEquals(List.of("proxy:add", "--direction", "ingress", "--port", "1984", "--origin", "p:8084"),
        t("proxy", "--direction=ingress", "--origin=p:8084", "--port=1984"));
    assertEquals(List.of("proxy:list"), t("proxies"));
    assertEquals(List.of("proxy:list", "--node", "q"), t("get-proxies", "--node", "q"));
    assertEquals(List.of("proxy:remove", "3"), t("delete-proxy", "--uuid", "3"));
    assertEquals(List.of("tls:route", "add", "a.example", "--target", "q:80"),
        t("domain-proxy", "--hostname", "a.example", "--target", "q:80"));
    assertEquals(List.of("tls:request", "--hostname", "a.example"), t("tls", "--hostname", "a.example"));
    assertEquals(List.of("tls:request", "--hostname", "a.example,b.example", "--key-prefix", "app"),
        t("tls", "--key-prefix", "app", "--hostname", "a.example,b.example"));
    assertEquals(List.of("tls:renew", "app"), t("renew-tls", "--key-prefix", "app"));
    assertEquals(List.of("tls:renew", "a.example"), t("renew-tls", "--hostname=a.example"));
    assertEquals(List.of("tls:keys"), t("keys"));
    assertEquals(List.of("net:register", "eyJuYW1lIjoicCJ9"), t("register", "--b64", "eyJuYW1lIjoicCJ9"));
    assertEquals(List.of("node:whoami"), t("login"));
    assertEquals(List.of("node:hash-password"), t("hash-password"));
    assertEquals(List.of("deploy:update-node", "--node", "q"), t("update-node", "--node", "q"));
    assertEquals(List.of("deploy:update-node", "--node", "q", "--credentials", "admin:x", "--force"),
        t("update-node", "--force", "--node", "q", "--credentials", "admin:x"));
    assertEquals(List.of("proxy:add", "--direction", "egress", "--port", "8084", "--target", "q:1984"),
        t("proxy", "--direction", "egress", "--target", "q:1984", "--port", "8084", "--network", "home"));
    assertEquals(List.of("node:metrics"), t("metrics"));
    assertEquals(List.of("node:metrics", "--node", "q"), t("get-metrics", "--node", "q"));
    assertEquals(List.of("proxy:list", "--node", "q", "--credentials", "admin:x"),
        t("get-proxies", "--credentials", "admin:x", "--node", "q"));
    assertEquals(List.of("node:metrics", "--all"), t("all-metrics"));
  }

  @Test
  void consoleCommandsAndShellPassThrough() throws UsageException {
    assertEquals(List.of("node:identity", "--b64"), t("node:identity", "--b64"));
    assertEquals(List.of("shell", "--node", "q"), t("shell", "--node", "q"));
    assertEquals(List.of("ssh:shell", "--node", "q"), Client.shellAlias(t("shell", "--node", "q")));
  }

  @Test
  void misuseGetsTheUsageNeverACoercionMessage() {
    String unknownFlag = refused("identity", "--b65");
    assertTrue(unknownFlag.contains("unknown flag --b65") && unknownFlag.contains("usage: warren client identity|id"),
        unknownFlag);
    assertTrue(refused("proxy", "--direction", "egress").contains("proxy needs --port"));
    assertTrue(refused("get-proxies", "--node").contains("--node needs a value"));
    assertTrue(refused("delete-proxy", "3").contains("unexpected argument '3'"));
    assertTrue(refused("get-metrics", "--node", "a", "--node", "b").contains("given twice"));
    assertTrue(refused("identity", "--b64=yes").contains("unknown flag --b64"));
    String unknown = refused("frobnicate");
    assertTrue(unknown.contains("unknown command 'frobnicate'") && unknown.contains("scope:name"), unknown);
    assertTrue(refused("register").contains("register needs --b64"));
    assertTrue(refused("register", "eyJ9").contains("unexpected argument 'eyJ9'"));
    assertTrue(refused("hash-password", "secret").contains("unexpected argument"));
    assertTrue(refused("login", "--user", "admin").contains("unknown flag --user"));
    assertTrue(refused("update-node").contains("update-node needs --node"));
    assertTrue(refused("update-node", "--node", "q", "--all").contains("unknown flag --all"));
    assertTrue(refused("tls", "--key-prefix", "app").contains("tls needs --hostname"));
    assertTrue(refused("renew-tls").contains("one of --key-prefix and --hostname"));
    assertTrue(
        refused("proxy", "--direction", "egress", "--port", "1", "--network").contains("--network needs a value"));
    // every alias answers a flag it does not take with its own usage line
    for (String alias : SeedAliases.usages().keySet()) {
      String m = refused(alias, "--no-such-flag");
      assertTrue(m.contains("unknown flag --no-such-flag") && m.contains("(usage: warren client "), m);
    }
  }
}

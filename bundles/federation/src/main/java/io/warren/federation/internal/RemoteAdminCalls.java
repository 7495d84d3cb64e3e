package io.warren.federation.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import io.warren.api.CommandRunner;
import io.warren.api.NodeIdentity;
import io.warren.api.RemoteAdmin;
import io.warren.api.RemoteCommandException;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.federation.Member;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Console commands run on other members, both ways. After the membership proof the dialer sends
 * {@code user, password, command words}; the listener checks the credentials (or a standing grant
 * from {@code net:trust}), runs the command and answers {@code status (0 ok, 1 refused, 2 failed),
 * text}.
 */
@Component(service = {RemoteAdmin.class, RemoteAdminCalls.class})
public final class RemoteAdminCalls implements RemoteAdmin {
  static final String OPERATION = "admin";
  private static final Logger LOG = LoggerFactory.getLogger(RemoteAdminCalls.class);
  private static final int MAX_COMMAND_WORDS = 256;

  private final FederationService federation;
  private final NodeIdentity identity;
  private final AdminAuthenticator admin;
  private final CommandRunner commands;
  private final AtomicInteger served = new AtomicInteger();

  @Activate
  public RemoteAdminCalls(@Reference FederationService federation, @Reference NodeIdentity identity,
      @Reference AdminAuthenticator admin, @Reference CommandRunner commands) {
    this.federation = federation;
    this.identity = identity;
    this.admin = admin;
    this.commands = commands;
  }

  /** Admin calls this node served since it started. */
  public int served() {
    return served.get();
  }

  // ---- the caller ----

  @Override
  public List<String> nodes() {
    return federation.members().stream().filter(m -> !m.self()).map(Member::peerId).toList();
  }

  @Override
  public CompletionStage<String> run(String node, List<String> command, String credentials) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Member target;
    try {
      target = federation.resolve(node);
      if (target.self()) {
        throw new IllegalArgumentException(node + " is this node; run the command without --node");
      }
      CommandRunner.checkWords(command);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String user = "";
    char[] password = new char[0];
    if (credentials != null && !credentials.isEmpty()) {
      int colon = credentials.indexOf(':');
      if (colon <= 0) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("credentials must be user:password"));
      }
      user = credentials.substring(0, colon);
      password = credentials.substring(colon + 1).toCharArray();
    }
    String u = user;
    char[] p = password;
    federation.execute(() -> {
      try (Frames f = federation.dialogue().dial(target.peerId(), federation.addressesOf(target.peerId()), OPERATION)) {
        Codec.Writer w =
            new Codec.Writer().text(u).bytes(new String(p).getBytes(StandardCharsets.UTF_8)).texts(command);
        Arrays.fill(p, '\0');
        f.write(w.toByteArray());
        Codec.Reader in = new Codec.Reader(f.read());
        int status = in.u8();
        String text = in.text(Frames.MAX_FRAME, "output");
        in.end();
        federation.table().contact(target.peerId()).lastContact = java.time.Instant.now();
        switch (status) {
          case 0 -> result.complete(text);
          case 1 -> result.completeExceptionally(new AuthenticationException(text));
          default -> result.completeExceptionally(new RemoteCommandException(target.name() + ": " + text));
        }
      } catch (Exception e) {
        result.completeExceptionally(e instanceof RuntimeException re && !(e instanceof CompletionException) ? re
            : new TransportException("cannot run the command on " + target.name() + ": "
                + FederationService.describe(e), e));
      }
    });
    return result;
  }

  // ---- the node called ----

  /**
   * Where an admin call comes from, for the login limits: the IP address of the connection, not the
   * peer ID (a caller mints a fresh peer ID for free, not a fresh address). A relayed call is keyed
   * on the relay's address ({@link Stream#source}).
   */
  static String sourceOf(Stream stream) {
    return stream.source();
  }

  /** Serves one admin call from {@code peer}, who proved membership on {@code f} from {@code source}. */
  void serve(Frames f, String peer, String source) throws Exception {
    Codec.Reader in = new Codec.Reader(f.read());
    String user = in.text(256, "user");
    byte[] pw = in.bytes(1024, "password");
    List<String> words = in.texts(MAX_COMMAND_WORDS, 64 << 10, "command words");
    in.end();
    char[] password = new String(pw, StandardCharsets.UTF_8).toCharArray();
    Arrays.fill(pw, (byte) 0);
    String refusal = null;
    try {
      if (!user.isEmpty()) {
        if (!admin.authenticate(user, password, source)) {
          refusal = "admin credentials refused by " + identity.name() + " (" + identity.peerId() + ")";
        }
      } else if (!federation.isGranted(peer)) {
        refusal = identity.name() + " (" + identity.peerId() + ") requires admin authorization: pass --credentials"
            + " user:password, or have its admin run: net:trust " + peer + " admin";
      }
    } catch (AuthenticationException e) {
      refusal = e.getMessage();
    } finally {
      Arrays.fill(password, '\0');
    }
    if (refusal != null) {
      LOG.warn("federation: admin call from {} ({}) refused: {}", peer, source, refusal);
      f.write(new Codec.Writer().u8(1).text(refusal).toByteArray());
      return;
    }
    served.incrementAndGet();
    LOG.info("federation: admin call from {}: {}", peer, String.join(" ", words.subList(0, 1)));
    CommandRunner.Outcome outcome = commands.run(words);
    f.write(new Codec.Writer().u8(outcome.ok() ? 0 : 2).text(outcome.text()).toByteArray());
  }
}

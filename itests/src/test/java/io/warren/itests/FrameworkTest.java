package io.warren.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.warren.api.NodeIdentity;
import io.warren.api.StreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.util.tracker.ServiceTracker;

/**
 * One framework holding exactly the distribution's bundles (its system/ folder) plus the diag
 * plugin: everything resolves and starts, every component is satisfied, the commands answer.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkTest {
  @Inject BundleContext context;
  @Inject CommandProcessor processor;
  @Inject ServiceComponentRuntime scr;
  @Inject NodeIdentity identity;

  /** A fragment (the epoll native library) is installed, never started: its host carries it. */
  private static boolean fragment(Path jar) {
    try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile())) {
      return j.getManifest() != null && j.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + jar, e);
    }
  }

  @Configuration
  public Option[] config() throws IOException {
    Path dist = Path.of(System.getProperty("warren.dist"));
    Path system = dist.resolve("system");
    List<Option> bundles = new ArrayList<>();
    try (Stream<Path> jars = Files.walk(system)) {
      jars.filter(p -> p.toString().endsWith(".jar")).sorted()
          .forEach(p -> bundles.add(fragment(p) ? bundle("reference:" + p.toUri()).noStart()
              // ConfigAdmin before SCR (Pax Exam's level 3), so components start with their stored configuration
              : p.toString().contains("org.apache.felix.configadmin") ? bundle("reference:" + p.toUri()).startLevel(2)
                  : bundle("reference:" + p.toUri())));
    }
    // libp2p on loopback and a free port, as every test node, not the default fixed port of every interface
    Path cm = Files.createDirectories(Files.createTempDirectory("warren-paxexam-cm").resolve("io/warren"));
    Files.writeString(cm.resolve("libp2p.config"),
        "service.pid=\"io.warren.libp2p\"\nlisten.addresses=[\"/ip4/127.0.0.1/tcp/0\"]\n");
    bundles.add(bundle("reference:" + Path.of(System.getProperty("warren.diag.jar")).toUri()));
    Path data = Files.createTempDirectory("warren-paxexam");
    return options(
        systemProperty("pax.exam.osgi.unresolved.fail").value("true"),
        frameworkProperty("warren.data.dir").value(data.toString()),
        frameworkProperty("felix.cm.dir").value(cm.getParent().getParent().toString()),
        frameworkProperty("warren.system.dir").value(system.toUri().toString()),
        frameworkProperty("warren.version").value("test"),
        frameworkProperty("gosh.args").value("--nointeractive"),
        frameworkProperty("gosh.home").value(dist.toString()),
        cleanCaches(),
        junitBundles(),
        composite(bundles.toArray(new Option[0])));
  }

  private String run(String command) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
      Object result = s.execute(command);
      if (result != null) {
        out.println(s.format(result, Converter.INSPECT));
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void everyBundleIsActiveAndEveryComponentSatisfied() throws Exception {
    for (Bundle b : context.getBundles()) {
      boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
      assertEquals(b.getSymbolicName() + " state", fragment ? Bundle.RESOLVED : Bundle.ACTIVE, b.getState());
    }
    int warrenComponents = 0;
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      assertTrue(d.name + " is enabled", scr.isComponentEnabled(d));
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        assertTrue(d.name + " is satisfied (state " + c.state + ", " + c.failure + ")",
            c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED);
      }
      if (d.bundle.symbolicName.startsWith("io.warren.")) {
        warrenComponents++;
      }
    }
    assertTrue("Warren's own components are there: " + warrenComponents, warrenComponents >= 8);
  }

  @Test
  public void theNodeReportsReady() throws Exception {
    ServiceTracker<Object, Object> ready = new ServiceTracker<>(context,
        context.createFilter("(warren.ready=*)"), null);
    ready.open();
    try {
      assertNotNull("readiness marker", ready.waitForService(30_000));
      assertEquals("true", ready.getServiceReference().getProperty("warren.ready"));
    } finally {
      ready.close();
    }
  }

  @Test
  public void nodeCommandsAnswer() throws Exception {
    String info = run("node:info");
    assertTrue(info, info.contains(identity.peerId()));
    assertTrue(info, info.contains(identity.npub()));
    assertTrue(info, info.contains("io.warren.store"));
    assertTrue("the libp2p transport listens on loopback: " + info,
        java.util.regex.Pattern.compile("/ip4/127\\.0\\.0\\.1/tcp/[1-9][0-9]*/p2p/" + identity.peerId()).matcher(info)
            .find());
    String b64 = run("node:identity -b64").strip();
    String json = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    assertTrue(json, json.contains("\"peerId\":\"" + identity.peerId() + "\""));
    assertTrue(json, json.contains("\"addresses\":["));
    Object map = processor.createSession(new ByteArrayInputStream(new byte[0]), System.out, System.err)
        .execute("node:info");
    assertTrue("node:info returns data, not text", map instanceof Map);
  }

  @Test
  public void aPluginRegistersAHandlerAndACommand() throws Exception {
    ServiceReference<?>[] refs = context.getServiceReferences(StreamHandler.class.getName(),
        "(" + StreamHandler.PROTOCOL + "=/warren/diag/echo/1.0.0)");
    assertNotNull("the diag echo handler is registered", refs);
    assertTrue(run("diag:hello"), run("diag:hello").contains(identity.peerId()));
  }
}

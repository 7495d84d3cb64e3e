package io.warren.node.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The process's CPU, memory and the data directory's disk, as node:metrics shows them. */
public final class SystemMetrics {
  private SystemMetrics() {}

  public static Map<String, Object> read(Path dataDir) {
    Map<String, Object> m = new LinkedHashMap<>();
    var os = ManagementFactory.getOperatingSystemMXBean();
    m.put("cpu cores", os.getAvailableProcessors());
    m.put("load average", os.getSystemLoadAverage() < 0 ? "n/a" : String.format("%.2f", os.getSystemLoadAverage()));
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      double cpu = sun.getProcessCpuLoad();
      m.put("process cpu", cpu < 0 ? "n/a" : String.format("%.1f%%", cpu * 100));
      m.put("process cpu time", sun.getProcessCpuTime() / 1_000_000 + " ms");
    }
    Runtime rt = Runtime.getRuntime();
    m.put("heap used", mib(rt.totalMemory() - rt.freeMemory()));
    m.put("heap max", mib(rt.maxMemory()));
    m.put("rss", rss());
    m.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
    try {
      FileStore fs = Files.getFileStore(dataDir);
      m.put("disk free", mib(fs.getUsableSpace()) + " of " + mib(fs.getTotalSpace()));
    } catch (IOException e) {
      m.put("disk free", "n/a (" + e.getMessage() + ")");
    }
    return m;
  }

  private static String rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          long kb = Long.parseLong(line.substring(6).strip().split("\\s+")[0]);
          return mib(kb * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it out
    }
    return "n/a";
  }

  private static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1048576.0);
  }
}

package io.ironlb.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Garbage made inside a running speaker, for {@code bench/soak}: a Java agent loaded into the
 * speaker's JVM through the attach API (as {@code jcmd JVMTI.agent_load} would), so the speaker
 * runs as shipped (its jar, its flags) and only its heap is put under pressure. Its thread
 * ({@code soak-allocation-pressure}) allocates {@code mbPerSecond} of 64 KiB arrays, and keeps the
 * last {@code retainMb} of them reachable: they outlive several young collections and are promoted,
 * so the old generation fills and full collections come too, as a speaker whose caches churn would
 * see. Runs until the process ends.
 *
 * <p>The agent jar holds this one class ({@link #writeAgentJar}); nothing here may use another
 * class of the lab (the speaker's class path does not have them).
 */
public final class AllocationPressure {

  private static final int CHUNK = 64 * 1024;

  private AllocationPressure() {}

  /** The agent's entry point: {@code args} is {@code mbPerSecond=N,retainMb=M}. */
  public static void agentmain(String args, Instrumentation inst) {
    Map<String, Integer> a = new HashMap<>();
    for (String kv : (args == null ? "" : args).split(",")) {
      String[] p = kv.split("=");
      if (p.length == 2) {
        a.put(p[0].strip(), Integer.parseInt(p[1].strip()));
      }
    }
    int rate = a.getOrDefault("mbPerSecond", 64);
    int retain = a.getOrDefault("retainMb", 8);
    Thread t = new Thread(() -> churn(rate, retain), "soak-allocation-pressure");
    t.setDaemon(true);
    t.start();
  }

  private static void churn(int mbPerSecond, int retainMb) {
    byte[][] kept = new byte[Math.max(1, retainMb * (1024 * 1024 / CHUNK))][];
    int next = 0;
    long perSlice = (long) mbPerSecond * 1024 * 1024 / 100; // 10 ms slices
    long sink = 0;
    while (true) {
      long start = System.nanoTime();
      for (long done = 0; done < perSlice; done += CHUNK) {
        byte[] b = new byte[CHUNK];
        b[(int) (done % CHUNK)] = (byte) done;
        sink += b[0];
        kept[next] = b;
        next = (next + 1) % kept.length;
      }
      long left = 10_000_000 - (System.nanoTime() - start);
      if (left > 0) {
        try {
          Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
      if (sink == 42) {
        System.out.print("");
      }
    }
  }

  /** Writes the agent jar (this class and a manifest naming it) into {@code dir}; returns its path. */
  static Path writeAgentJar(Path dir) {
    String entry = AllocationPressure.class.getName().replace('.', '/') + ".class";
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().putValue("Agent-Class", AllocationPressure.class.getName());
    Path jar = dir.resolve("ironlb-soak-agent.jar");
    try (InputStream in = AllocationPressure.class.getClassLoader().getResourceAsStream(entry);
        OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, m)) {
      if (in == null) {
        throw new IllegalStateException("cannot read " + entry + " from the class path");
      }
      j.putNextEntry(new JarEntry(entry));
      in.transferTo(j);
      j.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the agent jar " + jar + ": " + e.getMessage(), e);
    }
    return jar;
  }

  /** Loads the agent into the JVM with PID {@code pid} (same user; any network namespace). */
  static void attach(long pid, Path agentJar, int mbPerSecond, int retainMb) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    try {
      vm.loadAgent(agentJar.toString(), "mbPerSecond=" + mbPerSecond + ",retainMb=" + retainMb);
    } finally {
      vm.detach();
    }
  }
}

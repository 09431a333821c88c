package io.ironlb.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The lab's copy of the pods' {@code aot-cache} init container: the JVM's ahead-of-time cache for
 * the controller or the speaker, made by {@code ironlb rehearse} with the component's deployed
 * flags and {@code -XX:AOTCacheOutput}, so that the lab's processes start as a cluster's do. One
 * file per component next to the product's jar ({@code ironlb-speaker.aot}), made once per build:
 * it is remade when the jar is newer, or when the java or the flags it was made with (recorded in
 * {@code ironlb-speaker.aot.flags}) differ. Labs that start at once share it: one makes it under a
 * file lock, into a temporary name renamed into place, and the others wait for it.
 */
public final class AotCache {

  /** Training takes ~10 s on an idle machine; a stuck one must not hold a lab up for long. */
  private static final long TRAINING_TIMEOUT_SECONDS = 180;
  /** Components whose cache could not be made: said once per process, then the lab runs without. */
  private static final Set<SelfCommand.Deployed> FAILED = ConcurrentHashMap.newKeySet();

  private AotCache() {}

  /**
   * The cache for {@code component}, made first when missing or stale (saying so on {@code err});
   * empty when there is no product jar (the lab then runs from a class path, which a cache would
   * not fit) or it could not be made.
   */
  public static synchronized Optional<Path> ensure(SelfCommand.Deployed component, PrintWriter err) {
    Optional<Path> jar = productJar();
    if (jar.isEmpty() || FAILED.contains(component)) {
      return Optional.empty();
    }
    Path cache = file(jar.get(), component);
    List<String> training = trainingFlags(component);
    if (fresh(jar.get(), cache, training)) {
      return Optional.of(cache);
    }
    Path lock = cache.resolveSibling(cache.getFileName() + ".lock");
    try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      if (!fresh(jar.get(), cache, training)) {
        err.println("making the start-up cache for the " + name(component) + " (once per build)...");
        err.flush();
        make(jar.get(), cache, training, component);
      }
      return Optional.of(cache);
    } catch (IOException | RuntimeException e) {
      FAILED.add(component);
      err.println("could not make the " + name(component) + "'s start-up cache (" + e.getMessage() + "); the lab runs it without");
      err.flush();
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The cache for {@code component} when one fits the current jar, java and flags; never makes one. */
  public static Optional<Path> usable(SelfCommand.Deployed component) {
    Optional<Path> jar = productJar();
    if (jar.isEmpty()) {
      return Optional.empty();
    }
    Path cache = file(jar.get(), component);
    return fresh(jar.get(), cache, trainingFlags(component)) ? Optional.of(cache) : Optional.empty();
  }

  private static Optional<Path> productJar() {
    String classPath = SelfCommand.productClassPath();
    return classPath.endsWith(".jar") && !classPath.contains(":") ? Optional.of(Path.of(classPath)) : Optional.empty();
  }

  static Path file(Path jar, SelfCommand.Deployed component) {
    String base = jar.getFileName().toString().replaceFirst("\\.jar$", "");
    return jar.resolveSibling(base + "-" + name(component) + ".aot");
  }

  /** Only the component's own start-up: a JVM started from the cache loads every class in it. */
  private static String rehearsal(SelfCommand.Deployed component) {
    return "--for=" + name(component);
  }

  private static String name(SelfCommand.Deployed component) {
    return component.name().toLowerCase(Locale.ROOT);
  }

  /** The java and flags a cache is valid for (the deployed ones, as the lab starts the component), and what trained it. */
  private static List<String> trainingFlags(SelfCommand.Deployed component) {
    List<String> argv = new ArrayList<>();
    argv.add(SelfCommand.java());
    argv.add(Runtime.version().toString());
    argv.addAll(component.jvmFlags());
    argv.add(rehearsal(component));
    return List.copyOf(argv);
  }

  private static Path flagsFile(Path cache) {
    return cache.resolveSibling(cache.getFileName() + ".flags");
  }

  private static boolean fresh(Path jar, Path cache, List<String> training) {
    try {
      return Files.isRegularFile(cache) && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) >= 0
          && Files.readAllLines(flagsFile(cache), StandardCharsets.UTF_8).equals(training);
    } catch (IOException e) {
      return false;
    }
  }

  private static void make(Path jar, Path cache, List<String> training, SelfCommand.Deployed component)
      throws IOException, InterruptedException {
    Path tmp = cache.resolveSibling(cache.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Path log = cache.resolveSibling(cache.getFileName() + ".log");
    List<String> argv = new ArrayList<>();
    argv.add(SelfCommand.java());
    argv.addAll(component.jvmFlags());
    argv.addAll(List.of("-XX:AOTCacheOutput=" + tmp, "-cp", jar.toString(), SelfCommand.PRODUCT_MAIN, "rehearse",
        rehearsal(component)));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(component.environment());
    Process p = pb.start();
    try {
      if (!p.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("the training run took over " + TRAINING_TIMEOUT_SECONDS + " s; see " + log);
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
        throw new IOException("the training run exited " + p.exitValue() + " without a cache; see " + log);
      }
      Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Path flags = flagsFile(cache);
      Path flagsTmp = flags.resolveSibling(flags.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      Files.write(flagsTmp, training, StandardCharsets.UTF_8);
      Files.move(flagsTmp, flags, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly); // the JVM assembles the cache in a child
      p.destroyForcibly();
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + ".config"));
    }
  }
}

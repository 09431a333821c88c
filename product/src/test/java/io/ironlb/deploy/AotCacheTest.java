package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What the pods' {@code aot-cache} init container does, with the speaker's flags from
 * deploy/default: {@code ironlb rehearse} under {@code -XX:AOTCacheOutput} writes a cache, and a
 * JVM with the same flags and {@code -XX:AOTMode=on} (which refuses to start when it cannot use
 * the cache) starts from it.
 */
class AotCacheTest {

  @Test
  void rehearseMakesACacheThatTheSpeakersJvmFlagsAccept(@TempDir Path dir) throws Exception {
    JsonNode speaker = Manifests.container(Manifests.load().one("DaemonSet", "ironlb-speaker"));
    List<String> command = Manifests.strings(speaker.path("command"));
    List<String> flags = new ArrayList<>(command.subList(1, command.size() - 3));
    Path cache = dir.resolve("ironlb.aot");
    flags.replaceAll(f -> f.equals("-XX:AOTCache=" + ManifestsTest.AOT_CACHE) ? "-XX:AOTCache=" + cache : f);
    List<String> make = new ArrayList<>(flags);
    make.set(make.indexOf("-XX:AOTCache=" + cache), "-XX:AOTCacheOutput=" + cache);
    String classPath = jarClassPath(dir);

    Run rehearsal = run(dir, "rehearsal", make, classPath, "rehearse", "--for=speaker");

    assertThat(rehearsal.exit()).as(rehearsal.output()).isZero();
    assertThat(rehearsal.output()).contains("\"rehearsalDone\"").doesNotContain("\"rehearsalPartFailed\"");
    assertThat(cache).isRegularFile();

    List<String> use = new ArrayList<>(flags);
    use.add("-XX:AOTMode=on");
    Run start = run(dir, "start", use, classPath, "--version");

    assertThat(start.exit()).as(start.output()).isZero();
    assertThat(start.output()).contains("ironlb");
  }

  record Run(int exit, String output) {}

  private static Run run(Path dir, String name, List<String> flags, String classPath, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(flags);
    argv.addAll(List.of("-cp", classPath, "io.ironlb.cli.Main"));
    argv.addAll(List.of(args));
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    Process p = pb.start();
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        throw new AssertionError(name + " did not end within 2 minutes: " + Files.readString(log));
      }
      return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /**
   * The product's classes as one jar, then the dependencies' jars: the JVM caches classes from
   * jars only, and checks at start that the class path is the one it recorded.
   */
  private static String jarClassPath(Path dir) throws IOException {
    Path classes = Path.of("product", "target", "classes");
    Path jar = dir.resolve("ironlb-classes.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    List<String> entries = new ArrayList<>();
    entries.add(jar.toString());
    Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> e.endsWith(".jar")).forEach(entries::add);
    return entries.stream().collect(Collectors.joining(File.pathSeparator));
  }
}

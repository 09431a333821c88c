package io.ironlb.ops;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ironlb.testing.MockCluster;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubectl ironlb status}: the launcher at the repository root, found by kubectl on the PATH. */
class KubectlPluginTest {
  private static final Path LAUNCHER = Path.of("kubectl-ironlb").toAbsolutePath();

  @Test
  void kubectlFindsTheLauncherOnThePath(@TempDir Path bin) throws Exception {
    assumeTrue(io.ironlb.deploy.KubectlAvailable.installed(), "kubectl is not installed (.ci/run installs it)");
    Files.createSymbolicLink(bin.resolve("kubectl-ironlb"), LAUNCHER);

    Result r = run(List.of("kubectl", "plugin", "list"), Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH")));

    assertThat(r.output()).contains(bin.resolve("kubectl-ironlb").toString()).doesNotContain("warning");
  }

  @Test
  void kubectlIronlbStatusRunsTheStatusCommand(@TempDir Path dir) throws Exception {
    assumeTrue(io.ironlb.deploy.KubectlAvailable.installed(), "kubectl is not installed (.ci/run installs it)");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("kubectl-ironlb"), LAUNCHER);
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      cluster.create(loadBalancer("default", "openwebui").build());
      Map<String, String> env = Map.of(
          "PATH", bin + File.pathSeparator + System.getenv("PATH"),
          "KUBECONFIG", OpsFixture.kubeconfig(cluster, dir).toString(),
          "IRONLB_JAR", classpathJar(dir).toString(),
          "JAVA_HOME", System.getProperty("java.home"));

      Result r = run(List.of("kubectl", "ironlb", "status"), env);

      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.output()).contains("default/openwebui  <pending>", "lan-pool", "spark-2959");
    }
  }

  record Result(int exit, String output) {}

  private static Result run(List<String> argv, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  /** A jar that is only a manifest: this test's class path, so the launcher runs the code under test. */
  private static Path classpathJar(Path dir) throws Exception {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.ironlb.cli.Main");
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(e -> Path.of(e).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
    Path jar = dir.resolve("ironlb.jar");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
      j.flush();
    }
    return jar;
  }
}

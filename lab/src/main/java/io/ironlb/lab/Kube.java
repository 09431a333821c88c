package io.ironlb.lab;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Kubeconfig files for the lab and fabric8 clients built from them (never from ~/.kube). */
public final class Kube {

  public static final String CONTEXT = "ironlb-lab";

  private Kube() {}

  /** A client for {@code url} that ignores the user's own kubeconfig and environment. */
  public static KubernetesClient client(String url) {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace("default")
        .withRequestTimeout(10_000).withConnectionTimeout(5_000).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** Writes a kubeconfig for {@code server} to {@code file} (atomically, mode 0600). */
  public static void writeKubeconfig(Path file, String server) throws IOException {
    String yaml = """
        # Written by `ironlb lab up`; removed by `ironlb lab down`.
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
        users:
        - name: %1$s-admin
          user: {}
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s-admin
            namespace: default
        current-context: %1$s
        preferences: {}
        """.formatted(CONTEXT, server);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default mode
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

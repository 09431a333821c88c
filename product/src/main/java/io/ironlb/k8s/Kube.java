package io.ironlb.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the API client the same way for every process: an explicit kubeconfig, else in-cluster or ~/.kube/config. */
public final class Kube {
  private Kube() {}

  public static KubernetesClient client(Path kubeconfig) {
    Config config;
    if (kubeconfig != null) {
      if (!Files.isReadable(kubeconfig)) {
        throw new IllegalArgumentException("--kubeconfig " + kubeconfig + ": file not found or not readable");
      }
      try {
        config = Config.fromKubeconfig(Files.readString(kubeconfig));
      } catch (IOException e) {
        throw new UncheckedIOException("--kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
      }
    } else {
      config = Config.autoConfigure(null);
    }
    return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new KeptThreads.HttpClients())
        .withTaskExecutorSupplier(new KeptThreads.Tasks()).build();
  }
}

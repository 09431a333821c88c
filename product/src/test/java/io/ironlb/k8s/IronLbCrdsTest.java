package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IronLbCrdsTest {

  @Test
  void theCrdsOnTheClasspathAreEveryOneOfDeployCrdsAsWritten() throws IOException {
    List<String> files;
    try (var list = Files.list(Path.of("deploy", "crds"))) {
      files = list.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("metallb.io_")).sorted().toList();
    }
    assertThat(IronLbCrds.FILES).as("deploy/crds/metallb.io_*.yaml").containsExactlyInAnyOrderElementsOf(files);

    Map<String, CustomResourceDefinition> loaded = IronLbCrds.all().stream()
        .collect(Collectors.toMap(c -> c.getMetadata().getName(), Function.identity()));
    for (String file : files) {
      CustomResourceDefinition onDisk;
      try (InputStream in = Files.newInputStream(Path.of("deploy", "crds", file))) {
        onDisk = Serialization.unmarshal(in, CustomResourceDefinition.class);
      }
      assertThat(loaded.get(onDisk.getMetadata().getName())).as(file).isEqualTo(onDisk);
    }
  }
}

package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.lab.SelfCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The lab's footprint and failover figures stand for a cluster's only with the cluster's heap and collector. */
class LabJvmFlagsTest {

  static List<ManifestsTest.Workload> workloads() {
    return ManifestsTest.workloads().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theLabRunsControllerAndSpeakerWithTheManifestsJvmFlags(ManifestsTest.Workload w) {
    List<String> command = Manifests.strings(w.container().path("command"));
    SelfCommand.Deployed inLab = SelfCommand.Deployed.valueOf(w.component().toUpperCase(Locale.ROOT));
    Path cache = Path.of("product", "target", "ironlb-" + w.component() + ".aot");
    List<String> argv = SelfCommand.deployed(inLab, Optional.of(cache), w.component());
    // The pod's flags, with the lab's cache where the pod has its own.
    List<String> expected = new ArrayList<>(command.subList(1, command.size() - 3));
    expected.replaceAll(f -> f.equals(SelfCommand.AOT_CACHE_FLAG + ManifestsTest.AOT_CACHE) ? SelfCommand.AOT_CACHE_FLAG + cache : f);

    assertThat(expected).contains(SelfCommand.AOT_CACHE_FLAG + cache);
    assertThat(argv.subList(1, 1 + expected.size())).isEqualTo(expected);
    assertThat(argv.subList(1, 1 + inLab.jvmFlags().size())).isEqualTo(inLab.jvmFlags());
  }

  /** The lab makes its caches as the pods' init containers do: with the component's flags, without the cache's own. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theLabMakesTheAotCacheWithTheInitContainersFlags(ManifestsTest.Workload w) {
    List<String> init = Manifests.strings(w.aotCacheInit().path("command"));
    SelfCommand.Deployed inLab = SelfCommand.Deployed.valueOf(w.component().toUpperCase(Locale.ROOT));

    assertThat(init.subList(1, init.size() - 4)).isEqualTo(inLab.jvmFlags());
    assertThat(init.get(init.size() - 4)).isEqualTo("-XX:AOTCacheOutput=" + ManifestsTest.AOT_CACHE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theLabGivesThemTheManifestsRuntimeEnvironment(ManifestsTest.Workload w) {
    Map<String, String> literal = new TreeMap<>();
    w.container().path("env").forEach(e -> {
      if (e.has("value")) {
        literal.put(e.path("name").asString(), e.path("value").asString());
      }
    });
    SelfCommand.Deployed inLab = SelfCommand.Deployed.valueOf(w.component().toUpperCase(Locale.ROOT));

    assertThat(literal).isNotEmpty().isEqualTo(new TreeMap<>(inLab.environment()));
    assertThat(SelfCommand.environmentFor(w.component())).isEqualTo(inLab.environment());
  }
}

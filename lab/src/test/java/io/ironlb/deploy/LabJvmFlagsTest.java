package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.lab.SelfCommand;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    assertThat(inLab.jvmFlags()).isEqualTo(command.subList(1, command.size() - 3));
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

package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.lab.SelfCommand;
import java.util.List;
import java.util.Locale;
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
}

package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.lab.SelfCommand;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The lab's footprint and failover figures stand for a cluster's only with the cluster's heap and collector. */
class LabJvmFlagsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"CONTROLLER, Deployment, ironlb-controller", "SPEAKER, DaemonSet, ironlb-speaker"})
  void theLabRunsControllerAndSpeakerWithTheManifestsJvmFlags(SelfCommand.Deployed inLab, String kind, String name) {
    JsonNode container = Manifests.container(Manifests.load().one(kind, name));
    List<String> command = Manifests.strings(container.path("command"));
    // java, the JVM flags, then -cp @/app/jib-classpath-file io.ironlb.cli.Main
    assertThat(inLab.jvmFlags()).isEqualTo(command.subList(1, command.size() - 3));
  }
}

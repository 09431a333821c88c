package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The footprint report's thread groups, from names as /proc gives them (comm, at most 15 characters). */
class ProcFactsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "ironlb-heartbea, membership", // ironlb-heartbeat and ironlb-heartbeat-events: the membership's UDP heartbeats
      "'jgroups-29,iron', membership",
      "'Timer runner-2,', membership",
      "l2-arp-receiver, dataPlane",
      "speaker, speaker",
      "JdkHttpClientFa, kubernetesClient",
      "C1 CompilerThre, jvm",
      "node-interfaces, other"})
  void aThreadCountsForWhatItDoes(String comm, String group) {
    assertThat(ProcFacts.group(comm)).isEqualTo(group);
  }
}

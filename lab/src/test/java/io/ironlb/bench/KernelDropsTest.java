package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelDropsTest {

  private static final String NETSTAT = """
      TcpExt: SyncookiesSent ListenOverflows ListenDrops PAWSActive TCPSynRetrans TW
      TcpExt: 0 3 3 1 7 17165
      IpExt: InNoRoutes InOctets
      IpExt: 0 4956850498
      Tcp: RtoAlgorithm ActiveOpens RetransSegs
      Tcp: 1 120000 9
      """;

  private static final String CONNTRACK = """
      entries  clashres found new invalid ignore delete chainlength insert insert_failed drop
      00000010  00000000 00000000 00000000 0000000a 00000000 00000000 00000000 00000000 00000001 00000000
      00000010  00000002 00000000 00000000 00000005 00000000 00000000 00000000 00000000 00000000 00000000
      """;

  @Test
  void netstatPairsBecomeGroupDotName() {
    Map<String, Long> c = KernelDrops.pairs(NETSTAT);
    assertThat(c).containsEntry("TcpExt.ListenOverflows", 3L).containsEntry("IpExt.InOctets", 4_956_850_498L)
        .containsEntry("Tcp.RetransSegs", 9L);
  }

  @Test
  void aLineOfAnotherFormatDoesNotShiftThePairs() {
    Map<String, Long> c = KernelDrops.pairs("stray line\n" + NETSTAT);
    assertThat(c).containsEntry("TcpExt.ListenDrops", 3L).containsEntry("Tcp.ActiveOpens", 120_000L);
  }

  @Test
  void conntrackRowsAreHexSummedOverCpusWithoutTheGauge() {
    Map<String, Long> c = KernelDrops.table(CONNTRACK);
    assertThat(c).containsEntry("invalid", 15L).containsEntry("clashres", 2L).containsEntry("insert_failed", 1L)
        .doesNotContainKey("entries");
  }

  @Test
  void softnetNamesTheBacklogDropsAndSqueezesOfAllCpus() {
    Map<String, Long> c = KernelDrops.softnet(List.of(
        "0403ef69 00000002 00000015 00000000 00000000",
        "03f5503c 00000001 0000001b 00000000 00000000"));
    assertThat(c).containsEntry("softnet.backlogDropped", 3L).containsEntry("softnet.timeSqueezed", 0x15L + 0x1bL);
  }

  @Test
  void onlyKeptCountersThatGrewAreReportedAndQuietNamespacesAreLeftOut() {
    Map<String, Map<String, Long>> before = Map.of(
        "node-a", Map.of("TcpExt.ListenOverflows", 3L, "Tcp.ActiveOpens", 10L, "TcpExt.TCPSynRetrans", 7L),
        "node-b", Map.of("TcpExt.ListenOverflows", 1L));
    Map<String, Map<String, Long>> after = Map.of(
        "node-a", Map.of("TcpExt.ListenOverflows", 5L, "Tcp.ActiveOpens", 500L, "TcpExt.TCPSynRetrans", 7L),
        "node-b", Map.of("TcpExt.ListenOverflows", 1L),
        "-", Map.of("softnet.backlogDropped", 4L));
    assertThat(KernelDrops.grown(before, after)).isEqualTo(Map.of(
        "node-a", Map.of("TcpExt.ListenOverflows", 2L),
        "-", Map.of("softnet.backlogDropped", 4L)));
  }
}

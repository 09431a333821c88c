package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.Protocol;
import org.jgroups.util.TLSClientAuth;
import org.junit.jupiter.api.Test;

/** The stack as built, checked against what GroupStack's comment promises. */
class GroupStackTest {

  private final MembershipConfig config = new MembershipConfig("node-a", address("198.51.100.11"), 7946, new byte[32], List::of,
      Timings.defaults());

  @Test
  void theStackIsTheDocumentedOneBottomUp() throws Exception {
    List<Protocol> stack = GroupStack.build(config).protocols();
    assertThat(stack).extracting(p -> p.getClass().getSimpleName()).containsExactly(
        "TCP", "PeerListPing", "PromptMerge", "FD_SOCK2", "UdpHeartbeat", "PromptVerifySuspect", "NAKACK2", "UNICAST3", "STABLE", "GMS");
  }

  @Test
  void transportAndFdSockBindToTheNodeAddressOnlyWithMutualTlsAndNoDiagnostics() throws Exception {
    List<Protocol> stack = GroupStack.build(config).protocols();
    TCP tcp = (TCP) stack.getFirst();
    assertThat(tcp.getBindAddr()).isEqualTo(config.bindAddress());
    assertThat(tcp.getBindPort()).isEqualTo(7946);
    assertThat(tcp.getPortRange()).isZero();
    assertThat(tcp.tls().enabled()).isTrue();
    assertThat(tcp.tls().getClientAuth()).isEqualTo(TLSClientAuth.NEED);
    assertThat(tcp.tls().getSSLContext().getProtocol()).isEqualTo("TLSv1.3");
    assertThat(tcp.getDiagnosticsHandler().isEnabled()).isFalse();
    assertThat((Boolean) tcp.getValue("use_vthreads")).isFalse();
    assertThat(((FD_SOCK2) stack.get(3)).getBindAddress()).isEqualTo(config.bindAddress());
  }

  @Test
  void theTransportKeepsItsPoolThreadsInsteadOfStartingNewOnes() throws Exception {
    TCP tcp = (TCP) GroupStack.build(config).protocols().getFirst();
    assertThat(tcp.getThreadPool().getMinThreads()).isEqualTo(GroupStack.POOL_THREADS_KEPT).isPositive();
    assertThat(tcp.getThreadPool().getKeepAliveTime()).isEqualTo(GroupStack.POOL_KEEP_ALIVE_MS).isGreaterThan(30_000L);
  }

  @Test
  void failureDetectionUsesTheConfiguredTimings() throws Exception {
    Timings t = Timings.defaults();
    List<Protocol> stack = GroupStack.build(config).protocols();
    assertThat(((VERIFY_SUSPECT2) stack.get(5)).getTimeout()).isEqualTo(t.verifyTimeout().toMillis());
    assertThat(((GMS) stack.getLast()).getViewAckCollectionTimeout()).isEqualTo(t.viewAckTimeout().toMillis());
    assertThat(((GMS) stack.getLast()).getJoinTimeout()).isEqualTo(t.joinTimeout().toMillis());
    assertThat(((GMS) stack.getLast()).getMergeTimeout()).isEqualTo(GroupStack.MERGE_TIMEOUT_MS);
    assertThat((Boolean) ((TCP) stack.getFirst()).getValue("enable_suspect_events")).isTrue();
  }

  @Test
  void verificationSpeaksPlainVerifySuspect2OnTheWireSoARollingUpdateCanMixVersions() throws Exception {
    Protocol verify = GroupStack.build(config).protocols().get(5);
    assertThat(verify).isInstanceOf(VERIFY_SUSPECT2.class);
    assertThat(verify.getId()).isEqualTo(ClassConfigurator.getProtocolId(VERIFY_SUSPECT2.class)).isNotZero();
  }

  @Test
  void jgroupsLogsGoThroughSlf4j() throws Exception {
    GroupStack.build(config);
    assertThat(LogFactory.getLog(TCP.class)).isInstanceOf(Slf4jLogImpl.class);
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}

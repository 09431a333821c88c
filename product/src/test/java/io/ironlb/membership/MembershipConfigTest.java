package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipConfigTest {

  private static final InetAddress NODE = MockAddresses.ip("198.51.100.11");

  @Test
  void aShortSecretIsRefusedWithAHintWhereTheKeyComesFrom() {
    assertThatThrownBy(() -> new MembershipConfig("node-a", NODE, 7946, new byte[8], List::of, Timings.defaults()))
        .hasMessageContaining("8 bytes").hasMessageContaining("at least 16");
  }

  @Test
  void aWildcardBindAddressIsRefusedBecauseFdSockWouldListenEverywhere() {
    assertThatThrownBy(() -> new MembershipConfig("node-a", MockAddresses.ip("0.0.0.0"), 7946, new byte[32], List::of, Timings.defaults()))
        .hasMessageContaining("wildcard");
  }

  @Test
  void theSecretIsCopiedAndNeverPrinted() {
    byte[] key = new byte[32];
    key[0] = 42;
    MembershipConfig c = new MembershipConfig("node-a", NODE, 7946, key, List::of, Timings.defaults());
    key[0] = 0;
    assertThat(c.sharedSecret()[0]).isEqualTo((byte) 42);
    assertThat(c.toString()).doesNotContain("42").contains("node-a").contains("198.51.100.11:7946");
  }

  @Test
  void aHeartbeatTimeoutBelowTwoIntervalsIsRefused() {
    Timings d = Timings.defaults();
    assertThatThrownBy(() -> new Timings(Duration.ofMillis(100), Duration.ofMillis(150), d.verifyTimeout(), d.mergeMinInterval(),
        d.mergeMaxInterval(), d.joinTimeout(), d.viewAckTimeout(), d.aloneGrace()))
        .hasMessageContaining("heartbeatTimeout 150 ms");
  }

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    Timings t = Timings.defaults();
    assertThat(t.heartbeatInterval()).isEqualTo(Duration.ofMillis(10));
    assertThat(t.heartbeatTimeout()).isEqualTo(Duration.ofMillis(150));
    assertThat(t.verifyTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(t.viewAckTimeout()).isEqualTo(Duration.ofMillis(300));
  }

  /** Literal addresses without DNS. */
  static final class MockAddresses {
    static InetAddress ip(String literal) {
      try {
        return InetAddress.getByName(literal);
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException(e);
      }
    }
  }
}

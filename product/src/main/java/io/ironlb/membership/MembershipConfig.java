package io.ironlb.membership;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What one speaker needs to take part in membership.
 *
 * @param nodeName this node's Kubernetes name: the member name, hashed by the election
 * @param bindAddress the node address membership runs on (TCP and FD_SOCK2 both bind here only).
 *     Pick the network whose loss must move addresses away: the LAN the clients use
 * @param port the TCP port; FD_SOCK2 listens on {@code port + 100} (up to 3 ports further if taken)
 * @param sharedSecret the group key from the Kubernetes Secret (at least 16 bytes; the controller
 *     creates 32); copied on construction
 * @param peers current peer endpoints from the API (other speakers' node IP and port; this node's
 *     own endpoint may be included). Called on every discovery round and health check: it must be
 *     cheap and must not block (read an informer cache)
 * @param timings failure-detection timings, normally {@link Timings#defaults()}
 * @param heartbeatThreadSetup run first on the heartbeat thread: the speaker raises its scheduling
 *     priority there (the heartbeats must go out on time on a busy node); nothing by default
 */
public record MembershipConfig(
    String nodeName,
    InetAddress bindAddress,
    int port,
    byte[] sharedSecret,
    Supplier<List<InetSocketAddress>> peers,
    Timings timings,
    Runnable heartbeatThreadSetup) {

  /** Offset of the FD_SOCK2 port from {@link #port()} (JGroups' default, written down here). */
  public static final int FD_SOCK_OFFSET = 100;

  public MembershipConfig {
    if (nodeName == null || nodeName.isBlank()) {
      throw new IllegalArgumentException("membership needs this node's name (the Kubernetes node name); got '" + nodeName + "'");
    }
    Objects.requireNonNull(bindAddress, "membership bind address (the node IP to run membership on)");
    if (bindAddress.isAnyLocalAddress()) {
      throw new IllegalArgumentException("membership bind address " + bindAddress.getHostAddress()
          + " is a wildcard; give the node IP of the network membership must watch (the LAN)");
    }
    if (port < 1 || port > 65535 - FD_SOCK_OFFSET - 3) {
      throw new IllegalArgumentException("membership port " + port + " is out of range 1-" + (65535 - FD_SOCK_OFFSET - 3)
          + " (FD_SOCK2 uses port+" + FD_SOCK_OFFSET + ")");
    }
    if (sharedSecret == null || sharedSecret.length < 16) {
      throw new IllegalArgumentException("membership secret has " + (sharedSecret == null ? 0 : sharedSecret.length)
          + " bytes; at least 16 are needed (the controller creates a Secret with 32 random bytes)");
    }
    sharedSecret = sharedSecret.clone();
    Objects.requireNonNull(peers, "membership peers supplier");
    Objects.requireNonNull(timings, "membership timings (Timings.defaults())");
    Objects.requireNonNull(heartbeatThreadSetup, "heartbeat thread setup (() -> {} for none)");
  }

  /** A member with no setup of its heartbeat thread. */
  public MembershipConfig(String nodeName, InetAddress bindAddress, int port, byte[] sharedSecret, Supplier<List<InetSocketAddress>> peers,
      Timings timings) {
    this(nodeName, bindAddress, port, sharedSecret, peers, timings, () -> { });
  }

  /** This configuration with {@code setup} run first on the heartbeat thread. */
  public MembershipConfig withHeartbeatThreadSetup(Runnable setup) {
    return new MembershipConfig(nodeName, bindAddress, port, sharedSecret, peers, timings, setup);
  }

  /** A copy of the secret (the record keeps its own). */
  @Override
  public byte[] sharedSecret() {
    return sharedSecret.clone();
  }

  /** This member's own endpoint, as peers list it. */
  public InetSocketAddress endpoint() {
    return new InetSocketAddress(bindAddress, port);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MembershipConfig c && nodeName.equals(c.nodeName) && bindAddress.equals(c.bindAddress) && port == c.port
        && Arrays.equals(sharedSecret, c.sharedSecret) && peers.equals(c.peers) && timings.equals(c.timings)
        && heartbeatThreadSetup.equals(c.heartbeatThreadSetup);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeName, bindAddress, port, Arrays.hashCode(sharedSecret), peers, timings, heartbeatThreadSetup);
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "MembershipConfig[node=" + nodeName + ", bind=" + bindAddress.getHostAddress() + ":" + port + ", timings=" + timings + "]";
  }
}

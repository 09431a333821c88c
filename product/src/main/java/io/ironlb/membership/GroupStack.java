package io.ironlb.membership;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.TLSClientAuth;

/**
 * The JGroups 5.5.7 protocol stack of the speakers, built in code (no XML on disk), bottom up:
 *
 * <pre>
 * TCP (mutual TLS 1.3, bound to the node IP, diagnostics off, platform threads, TCP_NODELAY,
 *      a connection closed without goodbye raises a suspicion)
 * PeerListPing    discovery: TCPPING fed from the API's list of speaker endpoints
 * PromptMerge     MERGE3 (views exchanged every 1.5-4.5 s), and a merge as soon as a coordinator hears
 *                 the other side of a healed partition
 * FD_SOCK2        crash detection: a kill -9 closes the peer's socket, seen at once
 * UdpHeartbeat    signed heartbeats over UDP every 10 ms, suspect after 150 ms of silence (cut link,
 *                 frozen host); one wake-up per interval
 * VERIFY_SUSPECT2 50 ms for a suspect to prove it is alive, by a heartbeat or over TCP (PromptVerifySuspect)
 * NAKACK2, UNICAST3, STABLE   reliable ordered delivery (views, merges); retransmission after 250 ms
 * GMS             join timeout 1 s, view ack timeout 300 ms, merge timeout 2 s
 * </pre>
 *
 * <h2>Timings (the lab on the shared 2-core dev machine, load average 10-18 from other work)</h2>
 *
 * <ul>
 *   <li><b>Link cut</b>: the heartbeats notice. Removal takes the timeout (150 ms, less up to one
 *       interval) plus the verification (50 ms); a client's outage in the lab was 211 ms p50, 254 ms
 *       max (all links, 10 trials) and 221 / 377 ms (LAN only, 50 trials, no outlier), against
 *       735 ms with FD_ALL3 over TCP (100 / 600 ms). FD_ALL3's heartbeats went over the TCP
 *       transport, where one lost segment holds every later heartbeat back for Linux's 200 ms
 *       minimum retransmission timeout and more: with any packet loss a sub-second timeout removed
 *       live members. Datagrams are independent: 30% loss would need fifteen losses in a row to
 *       make 150 ms of silence.
 *   <li><b>Crash (kill -9)</b>: FD_SOCK2 and the transport see the connections close (once the
 *       kernel has torn the process down, 15-30 ms), the verification waits its 50 ms for a
 *       heartbeat or an answer that cannot come, the coordinator installs the view: 132 ms p50 from
 *       the kill to the client's neighbour entry in the lab (was 129 ms with a 100 ms window on a
 *       quiet machine). A live member that was wrongly suspected (a restart racing its peers'
 *       connections, see {@link PromptVerifySuspect}) is cleared by its next heartbeat, 10 ms later.
 *   <li><b>Why 150 ms</b>: it must outlast the longest stall of a healthy speaker, and a stall of
 *       the sender is indistinguishable from a cut. A stall of the receiver is not a problem: what
 *       arrived meanwhile is taken before anyone is judged, and the receiver's own stall is
 *       forgiven, so a whole machine stalling removes nobody. On a healthy node the speaker's
 *       young GC pauses are a few ms; its heartbeat thread runs at nice -10 where it may
 *       (CAP_SYS_NICE). On the shared VM this was measured on, any thread stalls 100-400 ms a few
 *       times a minute at load 10-15 (a bare Java thread sleeping 10 ms, nothing of IronLB), and
 *       there 150 ms gave false failovers in bench/soak; {@code --heartbeat-timeout} raises it per
 *       cluster (see docs/configuration.md).
 *   <li><b>Merge</b> after a heal: a coordinator hears the other side's heartbeats (sent to listed
 *       peers outside the view every 100 ms) and merges at once ({@link PromptMerge}): every
 *       speaker's view whole again 833 ms p50 after the heal (was ~4 s with MERGE3 alone). A merge
 *       waits at most 2 s for the other coordinators (merge timeout), and no view changes meanwhile.
 *   <li><b>The isolated side</b> installs its own view after the same timeout, then waits
 *       {@code view_ack_collection_timeout} for acks of members it cannot reach: 300 ms, not 2 s.
 *   <li><b>Graceful leave</b> (close(), SIGTERM): 32 / 62 / 72 ms until both others' views
 *       exclude the member.
 *   <li><b>Join timeout</b> 1 s: the first speaker of a cluster waits this long before forming a view
 *       alone; a joiner to an existing group is done as soon as the coordinator answers (0.2-0.5 s).
 *       Two speakers that start together and miss each other merge as soon as one hears the
 *       other's heartbeats.
 * </ul>
 *
 * <h2>JVM settings for the speaker (the launcher uses these)</h2>
 *
 * <p>{@code -XX:+UseSerialGC -Xms64m -Xmx128m -XX:+UseCompactObjectHeaders -Xss512k
 * -XX:TieredStopAtLevel=1 -XX:+PerfDisableSharedMem}. Why: the heartbeat timeout is the longest
 * pause a healthy speaker may take. A speaker's heap is small (informer caches, a few threads; a
 * member alone keeps ~10 MiB live), so the serial collector's young pauses are a few ms (measured
 * 1-30 ms, up to 200 ms on the overloaded VM under 32 MB/s of extra allocation), with no concurrent
 * GC threads (G1, ZGC) competing for the node's CPUs or resident memory (a member measured 105 MiB
 * RSS with these flags, 160 MiB with G1; target for the whole speaker ≤ 150 MiB). A full collection
 * stops everything longer (30-80 ms for the speaker's ~20 MiB live on an idle core, 0.9 s measured
 * on the overloaded VM); the speaker's own allocation (a few MB/s) rarely fills the old generation.
 * {@code -Xms64m} avoids the early full collections of a growing heap; compact headers shrink it;
 * C1 only starts fast and brings no C2 compile storms to a busy node; PerfDisableSharedMem avoids
 * the hsperfdata mmap, whose writes can stall safepoints behind a busy disk. Pre-touching the heap
 * ({@code AlwaysPreTouch}) was measured too: +37 MiB resident for no measurable gain. JGroups runs
 * on platform threads ({@code use_vthreads=false}): virtual threads share a carrier pool with the
 * rest of the speaker, where a CPU-bound task could delay a heartbeat.
 *
 * <h2>Security</h2>
 *
 * <p>See {@link SecretTls}: TLS 1.3 with client authentication NEED on the TCP transport; only a
 * process holding the shared secret can complete a handshake, so nothing else can join, forge a
 * view or replay one. The UDP heartbeats are signed with a key derived from the same secret and
 * carry a sequence number ({@link Heartbeat}, {@link ReplayWindow}): a forged or replayed heartbeat
 * keeps no dead node alive. FD_SOCK2 is bound to the same node IP (it listens on all interfaces
 * otherwise) and, carrying no membership data, stays plain.
 */
final class GroupStack {

  static final String CLUSTER = "ironlb-speakers";
  static final long MERGE_TIMEOUT_MS = 2000;

  static {
    routeJGroupsLogsToSlf4j();
  }

  private GroupStack() {}

  /** The stack and the TLS state behind it (whose refusal count the adapter exposes). */
  record Built(List<Protocol> protocols, SecretTls tls) {}

  static Built build(MembershipConfig c) throws GeneralSecurityException {
    SecretTls tls = new SecretTls(c.sharedSecret());
    return new Built(protocols(c, tls), tls);
  }

  /** Package-private test hook: the same stack without TLS, to show that the replay test would see an attack. */
  static List<Protocol> withoutTlsForTests(MembershipConfig c) {
    return protocols(c, null);
  }

  /** The transport's pool threads that never retire: enough for steady state (heartbeats are not in it). */
  static final int POOL_THREADS_KEPT = 4;

  /** How long a pool thread beyond those waits for work before it ends. */
  static final long POOL_KEEP_ALIVE_MS = 300_000;

  private static List<Protocol> protocols(MembershipConfig c, SecretTls tls) {
    Timings t = c.timings();
    TCP tcp = new TCP();
    tcp.setBindAddress(c.bindAddress());
    tcp.setBindPort(c.port());
    tcp.setPortRange(0); // the peers list names exact ports; never drift to another
    tcp.setSockConnTimeout(500); // nodes share a LAN: a connect unanswered in 500 ms is to a dead node
    tcp.logAcceptError(false); // refused handshakes are logged (rate-limited) by SecretTls instead
    tcp.setValue("use_vthreads", false);
    tcp.setValue("tcp_nodelay", true); // views and verifications are tiny: never hold them for Nagle
    // Keep the pool's threads instead of retiring an idle one after 30 s and starting another: on
    // saturated nodes (bench/soak) every wait of 130-840 ms for a safepoint had a just-started pool
    // thread, not yet running, among the threads it waited for, and the heartbeat thread waited too.
    tcp.getThreadPool().setMinThreads(POOL_THREADS_KEPT).setKeepAliveTime(POOL_KEEP_ALIVE_MS);
    // A peer's connection closed without goodbye (its process died): suspect it at once, on every
    // member that had a connection, not only on the one FD_SOCK2 pings; verification still decides.
    tcp.setValue("enable_suspect_events", Boolean.parseBoolean(System.getProperty("ironlb.suspectOnClose", "true")));
    try {
      tcp.setDiagnosticsHandler(tcp.createDiagnosticsHandler().setEnabled(false));
    } catch (Exception e) {
      throw new IllegalStateException("cannot disable JGroups diagnostics", e);
    }
    if (tls != null) {
      try {
        tcp.tls().enabled(true).setSSLContext(tls.context()).setClientAuth(TLSClientAuth.NEED)
            .setProtocols(new String[] {"TLSv1.3"});
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up membership TLS: " + e.getMessage(), e);
      }
    }

    PeerListPing discovery = new PeerListPing(c.peers());
    // Discovery requests to listed-but-dead peers must not wait for each other's connect timeout.
    discovery.setValue("async_discovery_use_separate_thread_per_request", true);
    // A restarted speaker comes back on the address it had; when it and a peer connect to each other
    // at the same moment, JGroups keeps one connection and drops the other with what was sent on it,
    // often the first discovery request, and the joiner formed a view alone (then merged ~5 s later;
    // seen in ~1 of 3 restarts in bench/membership). Asking three times within the join timeout
    // (at 0, 1/3, 2/3) makes such a loss cost ~1/3 s instead.
    discovery.numDiscoveryRuns(3);

    MERGE3 merge = new PromptMerge().setMinInterval(t.mergeMinInterval().toMillis()).setMaxInterval(t.mergeMaxInterval().toMillis())
        // The coordinator compares the views it heard of every check_interval, which must exceed
        // max_interval; JGroups' default (1.6 x max = 4.8 s) was most of the measured merge time.
        .setCheckInterval(t.mergeMaxInterval().toMillis() + 1000);

    FD_SOCK2 fdSock = new FD_SOCK2().setBindAddress(c.bindAddress()).setOffset(MembershipConfig.FD_SOCK_OFFSET);

    UdpHeartbeat heartbeat = new UdpHeartbeat(c.bindAddress(), c.port(), c.sharedSecret(), t, c.peers(), c.heartbeatThreadSetup());

    VERIFY_SUSPECT2 verify = new PromptVerifySuspect().setTimeout(t.verifyTimeout().toMillis());

    // TCP loses nothing on a live connection, but a message can be lost when two members connect to
    // each other at once and one of the connections is dropped (TLS handshakes widen that window):
    // retransmit after 250 ms, not 1 s, since a view stuck that way delays a failover.
    NAKACK2 nakack = new NAKACK2();
    nakack.setValue("use_mcast_xmit", false); // TCP has no multicast: retransmit point to point
    nakack.setValue("xmit_interval", 250L);
    UNICAST3 unicast = new UNICAST3();
    unicast.setValue("xmit_interval", 250L);

    GMS gms = new GMS()
        .setJoinTimeout(t.joinTimeout().toMillis())
        .setMaxJoinAttempts(3)
        .setLeaveTimeout(500)
        // A merge waits this long for the other coordinators' answers, and no view changes meanwhile:
        // JGroups' 5 s would hold back a failure that follows a heal (a flapping link).
        .setMergeTimeout(MERGE_TIMEOUT_MS)
        .setViewAckCollectionTimeout(t.viewAckTimeout().toMillis());
    gms.setValue("print_local_addr", false);
    gms.setValue("print_physical_addrs", false);

    List<Protocol> stack = new ArrayList<>();
    stack.add(tcp);
    stack.add(discovery);
    stack.add(merge);
    stack.add(fdSock);
    stack.add(heartbeat);
    stack.add(verify);
    stack.add(nakack);
    stack.add(unicast);
    stack.add(new STABLE());
    stack.add(gms);
    return stack;
  }

  /**
   * JGroups picks a logging backend by probing the classpath, and its lines are lost when it picks
   * one nobody configured; pin it to SLF4J (logback, JSON lines) like the rest of the process.
   */
  static void routeJGroupsLogsToSlf4j() {
    LogFactory.setCustomLogFactory(new CustomLogFactory() {
      @Override
      public Log getLog(Class<?> clazz) {
        return new QuietCloseLog(clazz);
      }

      @Override
      public Log getLog(String category) {
        return new QuietCloseLog(category);
      }
    });
  }

  /**
   * Demotes one JGroups ERROR to DEBUG: on TLS connections, closing a connection the peer has just
   * closed fails to send JGroups' "graceful close" marker ("failed sending graceful close"), which is
   * harmless and happens on every leave; as an ERROR it would page someone for a normal restart.
   */
  private static final class QuietCloseLog extends Slf4jLogImpl {
    QuietCloseLog(Class<?> clazz) {
      super(clazz);
    }

    QuietCloseLog(String category) {
      super(category);
    }

    @Override
    public void error(String format, Object... args) {
      if (format != null && format.contains("failed sending graceful close")) {
        debug(format, args);
      } else {
        super.error(format, args);
      }
    }
  }
}

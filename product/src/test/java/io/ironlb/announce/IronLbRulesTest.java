package io.ironlb.announce;

import static io.ironlb.announce.CoreDriver.advertisement;
import static io.ironlb.announce.CoreDriver.macOf;
import static io.ironlb.announce.CoreDriver.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules IronLB adds to MetalLB's election, each a table: a situation, what happens, and what
 * the core must then do. Node {@code a} is the one under test; for {@value #IP} the election
 * order is {@code a} before {@code b}, so {@code a} wins whenever both are live.
 */
class IronLbRulesTest {
  static final String IP = "198.51.100.200";
  static final Vip VIP = Vip.of(IP);
  static final ServiceKey WEB = new ServiceKey("default", "web");
  static final AdvertisementFacts ALL = advertisement("lan", List.of(), List.of());
  static final MacAddress FOREIGN = MacAddress.parse("3c:22:fb:00:00:50");

  static ServiceFacts web() {
    return service("web", IP, false, List.of(new EndpointFacts("b", true)), Map.of());
  }

  /** {@code a} and {@code b}, both Ready, both in the view, membership healthy; web exists. */
  static CoreDriver twoNodes() {
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.ServiceUpdated(web(), List.of()));
    return d;
  }

  @Test
  void theElectionOrderTheseTablesRelyOn() {
    assertThat(io.ironlb.election.Election.order(IP, List.of("a", "b"))).containsExactly("a", "b");
  }

  // ---- probe before the first announcement, none on a failover --------------------------------

  record ProbeCase(String name, Consumer<CoreDriver> before, boolean probed) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ProbeCase> probeCases() {
    return Stream.of(
        new ProbeCase("a new address is probed before its first announcement", d -> {}, true),
        new ProbeCase("an address another cluster node announced is taken over at once",
            d -> d.send(new Event.StatusPublished(WEB, "b")), false),
        new ProbeCase("an address this node announced before it restarted is probed again",
            d -> d.send(new Event.StatusPublished(WEB, "a")), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("probeCases")
  void probeBeforeFirstUseOnly(ProbeCase c) {
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.ViewChanged(Set.of("a", "b")));
    c.before().accept(d);
    d.send(new Event.ServiceUpdated(web(), List.of()));
    assertThat(d.probes).hasSize(c.probed() ? 1 : 0);
    assertThat(d.announces(WEB)).isEqualTo(!c.probed());
    if (c.probed()) {
      Action.Probe p = d.probes.getFirst();
      assertThat(p.purpose()).isEqualTo(Action.ProbePurpose.FIRST_USE);
      assertThat(p.ignoredMacs()).as("a trusted membership ignores cluster MACs: a handover may be in flight")
          .contains(macOf("a"), macOf("b"));
      d.probesFindNothing();
      assertThat(d.announces(WEB)).isTrue();
    }
    assertThat(d.emittedReasons()).containsExactly("nodeAssigned");
    assertThat(d.actionsOf(Action.CountFailover.class)).hasSize(c.probed() ? 0 : 1);
    assertThat(d.actionsOf(Action.WriteStatus.class)).extracting(Action.WriteStatus::interfaces).containsExactly(List.of("lan0"));
  }

  @Test
  void aForeignAnswerMarksTheAddressTakenUntilItIsProbedAgainAndFoundFree() {
    CoreDriver d = twoNodes();
    d.answerProbe(VIP, new ProbeOutcome.Taken(FOREIGN, "lan0"));

    assertThat(d.announces(WEB)).isFalse();
    assertThat(d.emittedReasons()).containsExactly("IPConflict");
    assertThat(d.actionsOf(Action.MarkConflict.class)).containsExactly(new Action.MarkConflict(WEB, VIP, FOREIGN));
    assertThat(d.actionsOf(Action.CountConflict.class)).hasSize(1);
    d.advance(Duration.ofSeconds(29));
    assertThat(d.probes).as("nothing before --reprobe-after-conflict").isEmpty();

    d.advance(Duration.ofSeconds(2));
    assertThat(d.probes).hasSize(1);
    d.send(new Event.ServiceUpdated(web(), List.of(new ConflictMark(VIP, FOREIGN)))); // the mark, as the informer shows it
    d.answerProbe(VIP, new ProbeOutcome.Free());
    assertThat(d.actionsOf(Action.ClearConflict.class)).containsExactly(new Action.ClearConflict(WEB, VIP));
    assertThat(d.announces(WEB)).isTrue();
  }

  @Test
  void aProbeThatCannotRunDoesNotHoldTheAddressBack() {
    CoreDriver d = twoNodes();
    d.answerProbe(VIP, new ProbeOutcome.Failed("sendto: ENETDOWN"));
    assertThat(d.announces(WEB)).isTrue();
    assertThat(d.loggedEvents()).contains("probeFailed");
  }

  // ---- without a trusted membership -----------------------------------------------------------

  /** {@code a} alone in its view, never joined; b Ready (or not) and running a speaker (or not). */
  static CoreDriver untrusted(boolean bReady, boolean bRunsSpeaker) {
    CoreDriver d = new CoreDriver("a");
    d.send(new Event.ViewChanged(Set.of("a")));
    d.send(new Event.MembershipHealth(true));
    d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts("a", Map.of(), false), true, Set.of(macOf("a")), true)));
    d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts("b", Map.of(), false), bReady, Set.of(macOf("b")), bRunsSpeaker)));
    d.send(new Event.PoolsUpdated(Map.of(CoreDriver.POOL, Map.of())));
    d.send(new Event.AdvertisementsUpdated(List.of(ALL)));
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf("a")))));
    d.send(new Event.Synced());
    return d;
  }

  record UntrustedCase(String name, boolean bReady, boolean bRunsSpeaker, String statusNode, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<UntrustedCase> untrustedCases() {
    return Stream.of(
        new UntrustedCase("a new address waits 3 s while another Ready node runs a speaker", true, true, null, "waits"),
        new UntrustedCase("a new address is probed at once when no other speaker is listed", true, false, null, "probes"),
        new UntrustedCase("an address a Ready node announces is left to it", true, true, "b", "leaves it"),
        new UntrustedCase("an address a node that is not Ready announced is taken over", false, true, "b", "takes it"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("untrustedCases")
  void withoutTrustedMembership(UntrustedCase c) {
    CoreDriver d = untrusted(c.bReady(), c.bRunsSpeaker());
    assertThat(d.loggedEvents()).contains("membershipNotJoined");
    if (c.statusNode() != null) {
      d.send(new Event.StatusPublished(WEB, c.statusNode()));
    }
    d.send(new Event.ServiceUpdated(web(), List.of()));
    switch (c.expected()) {
      case "waits" -> {
        assertThat(d.probes).isEmpty();
        d.advance(Duration.ofMillis(2900));
        assertThat(d.probes).isEmpty();
        d.advance(Duration.ofMillis(200));
        assertThat(d.probes).hasSize(1);
        assertThat(d.probes.getFirst().ignoredMacs()).as("untrusted: a cluster node's answer counts").isEmpty();
      }
      case "probes" -> assertThat(d.probes).hasSize(1);
      case "leaves it" -> {
        d.advance(Duration.ofSeconds(10));
        assertThat(d.probes).isEmpty();
        assertThat(d.announces(WEB)).isFalse();
      }
      case "takes it" -> {
        assertThat(d.probes).isEmpty();
        assertThat(d.announces(WEB)).isTrue();
      }
      default -> throw new AssertionError(c.expected());
    }
  }

  @Test
  void untrustedAClusterNodeAnsweringTheProbeKeepsTheAddressAndIsAskedAgainLater() {
    CoreDriver d = untrusted(true, false);
    d.send(new Event.ServiceUpdated(web(), List.of()));
    d.answerProbe(VIP, new ProbeOutcome.Taken(macOf("b"), "lan0"));
    assertThat(d.loggedEvents()).contains("answeredElsewhere");
    assertThat(d.emittedReasons()).doesNotContain("IPConflict");
    assertThat(d.announces(WEB)).isFalse();
    d.advance(Duration.ofSeconds(5).plusMillis(20));
    assertThat(d.probes).hasSize(1);
  }

  @Test
  void joiningAViewWithAnotherSpeakerEndsTheUntrustedState() {
    CoreDriver d = untrusted(true, true);
    d.send(new Event.ServiceUpdated(web(), List.of()));
    assertThat(d.probes).isEmpty();
    d.send(new Event.ViewChanged(Set.of("a", "b")));
    assertThat(d.loggedEvents()).contains("membershipJoined");
    assertThat(d.probes).as("trusted now: no wait").hasSize(1);
  }

  @Test
  void membershipThatCannotFormFallsBackToNodeReadiness() {
    String ip = ipWhere("b");
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.StatusPublished(WEB, "b"));
    d.send(new Event.ServiceUpdated(service("web", ip, false, List.of(new EndpointFacts("a", true)), Map.of()), List.of()));
    assertThat(d.core.winner(WEB)).isEqualTo("b");

    d.send(new Event.MembershipHealth(false));
    assertThat(d.actionsOf(Action.SetFallback.class)).extracting(Action.SetFallback::on).containsExactly(false, true);
    assertThat(d.loggedEvents()).contains("membershipFallback");
    assertThat(d.announces(WEB)).as("b is Ready: alive as far as a can tell").isFalse();

    d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts("b", Map.of(), false), false, Set.of(macOf("b")), true)));
    assertThat(d.core.winner(WEB)).isEqualTo("a");
    assertThat(d.announces(WEB)).as("b not Ready: a takes over, without a probe").isTrue();
  }

  // ---- split brain ----------------------------------------------------------------------------

  @Test
  void aClaimFromAClusterNodeOutsideTheViewKeepsItAliveAndATakeoverFromItChecksFirst() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    d.send(new Event.ViewChanged(Set.of("a")));
    assertThat(d.announces(WEB)).isTrue();

    // b, cut off from a's view, still claims the address: it is alive. It ranks second, so a keeps it.
    d.send(new Event.ClaimHeard(VIP, macOf("b"), "lan0", "gratuitous ARP"));
    assertThat(d.loggedEvents()).contains("splitBrain");
    assertThat(d.announces(WEB)).isTrue();
  }

  @Test
  void theLosingSideStepsBackAndChecksBeforeTakingBackFromANodeWhoseEvidenceLapsed() {
    // Here b wins the address (b ranks first for this one) and a hears b claim it during a partition.
    String ip = ipWhere("b");
    Vip vip = Vip.of(ip);
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.ViewChanged(Set.of("a")));
    d.send(new Event.ServiceUpdated(service("web", ip, false, List.of(new EndpointFacts("a", true)), Map.of()), List.of()));
    d.probesFindNothing();
    assertThat(d.announces(WEB)).as("b is out of the view: a announces").isTrue();

    d.send(new Event.ClaimHeard(vip, macOf("b"), "lan0", "gratuitous ARP"));
    assertThat(d.announces(WEB)).as("b is alive and ranks first: a steps back").isFalse();
    assertThat(d.actionsOf(Action.DeleteStatus.class)).isNotEmpty();
    d.send(new Event.StatusPublished(WEB, "b"));

    d.advance(Duration.ofSeconds(6)); // b's evidence lapses without another claim
    assertThat(d.probes).extracting(Action.Probe::purpose).containsExactly(Action.ProbePurpose.TAKEOVER_CHECK);
    assertThat(d.probes.getFirst().ignoredMacs()).as("the holder's own answer is wanted").isEmpty();
    d.answerProbe(vip, new ProbeOutcome.Taken(macOf("b"), "lan0"));
    assertThat(d.loggedEvents()).contains("splitBrainHeld");
    assertThat(d.announces(WEB)).as("b still answers: it keeps the address").isFalse();

    d.advance(Duration.ofSeconds(6));
    d.answerProbe(vip, new ProbeOutcome.Free());
    assertThat(d.announces(WEB)).as("nobody answers any more: a takes over").isTrue();
  }

  /** An address (not {@link #IP}) for which {@code node} ranks first of a and b. */
  static String ipWhere(String node) {
    for (int i = 1; i < 255; i++) {
      String ip = "198.51.100." + i;
      if (!ip.equals(IP) && io.ironlb.election.Election.order(ip, List.of("a", "b")).getFirst().equals(node)) {
        return ip;
      }
    }
    throw new AssertionError("no address where " + node + " ranks first");
  }

  @Test
  void aForeignClaimOnAnAnnouncedAddressIsReportedAndTheAddressKept() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    d.send(new Event.ClaimHeard(VIP, FOREIGN, "lan0", "ARP reply"));
    assertThat(d.emittedReasons()).containsExactly("nodeAssigned", "IPConflict");
    assertThat(d.actionsOf(Action.CountConflict.class)).containsExactly(new Action.CountConflict(VIP, FOREIGN));
    assertThat(d.announces(WEB)).isTrue();
  }

  // ---- carrier and exclusion ------------------------------------------------------------------

  @Test
  void losingCarrierOnTheLanWithdrawsAtOnceAndComingBackAnnouncesAgain() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    d.interfacesUsed = a -> List.of(); // down: no interface can announce
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", false, macOf("a")))));
    assertThat(d.announces(WEB)).isFalse();
    assertThat(d.loggedEvents()).contains("carrierDown", "serviceWithdrawn");
    assertThat(d.actionsOf(Action.DeleteStatus.class)).as("the successor overwrites it; this node may be back soon").isEmpty();
    assertThat(d.emittedReasons()).contains("announceFailed");

    d.interfacesUsed = a -> List.of("lan0");
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf("a")))));
    assertThat(d.announces(WEB)).isTrue();
  }

  @Test
  void aNodeWhoseLanComesBackLeavesItsAddressWithTheReadyHolderUntilTheViewsMerge() {
    CoreDriver d = cutOffWhileBTookOver();
    d.interfacesUsed = a -> List.of("lan0");
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf("a")))));
    assertThat(d.announces(WEB)).as("alone in its view, but b is Ready and announces it").isFalse();

    d.send(new Event.ViewChanged(Set.of("a", "b")));
    assertThat(d.announces(WEB)).as("in one view with b again: a takes it back").isTrue();
  }

  @Test
  void aNodeWhoseLanComesBackTakesItsAddressAfterTheWaitWhenTheViewsDoNotMerge() {
    CoreDriver d = cutOffWhileBTookOver();
    d.interfacesUsed = a -> List.of("lan0");
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf("a")))));
    d.advance(Duration.ofSeconds(2));
    assertThat(d.announces(WEB)).isFalse();
    d.advance(Duration.ofSeconds(2));
    assertThat(d.announces(WEB)).as("after untrustedWait (3 s) without a merge").isTrue();
  }

  /** a announced WEB, lost its LAN and with it the view; b took WEB over (its ServiceL2Status). */
  private static CoreDriver cutOffWhileBTookOver() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    assertThat(d.announces(WEB)).isTrue();
    d.interfacesUsed = a -> List.of();
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", false, macOf("a")))));
    d.send(new Event.ViewChanged(Set.of("a")));
    d.send(new Event.StatusPublished(WEB, "b"));
    assertThat(d.announces(WEB)).isFalse();
    return d;
  }

  @Test
  void theExcludeLabelOnThisNodeWithdrawsItsAnnouncements() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts("a", Map.of(NodeFacts.EXCLUDE_LABEL, ""), false), true,
        Set.of(macOf("a")), true)));
    assertThat(d.core.winner(WEB)).isEqualTo("b");
    assertThat(d.announces(WEB)).as("make-before-break: until b answers").isTrue();
    d.send(new Event.ClaimHeard(VIP, macOf("b"), "lan0", "gratuitous ARP"));
    assertThat(d.announces(WEB)).isFalse();
    assertThat(d.actionsOf(Action.Log.class)).filteredOn(l -> l.event().equals("serviceWithdrawn"))
        .extracting(l -> l.fields().get("reason")).containsExactly("handed over to node \"b\"");
  }

  @Test
  void aMacLessInterfaceIsNobodysMac() {
    CoreDriver d = twoNodes();
    d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf("a")),
        new Event.LocalInterface("wg0", true, MacAddress.ZERO))));
    d.probes.clear();
    d.send(new Event.ServiceUpdated(service("other", ipWhere("a"), false, List.of(new EndpointFacts("a", true)), Map.of()), List.of()));
    assertThat(d.probes).hasSize(1);
    assertThat(d.probes.getFirst().ignoredMacs()).doesNotContain(MacAddress.ZERO);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  @Test
  void shutdownWithdrawsEverythingAndDeletesTheStatusThenDoesNothingMore() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    List<Action> out = d.send(new Event.Shutdown());
    assertThat(out).filteredOn(a -> a instanceof Action.Withdraw || a instanceof Action.DeleteStatus).hasSize(2);
    assertThat(d.send(new Event.ServiceUpdated(web(), List.of()))).isEmpty();
  }

  @Test
  void nothingIsDecidedBeforeEveryCacheIsFilled() {
    CoreDriver d = new CoreDriver("a");
    d.send(new Event.ViewChanged(Set.of("a", "b")));
    d.send(new Event.ServiceUpdated(web(), List.of()));
    assertThat(d.probes).isEmpty();
    assertThat(d.core.planned()).isFalse();
  }

  @Test
  void aFailedStatusWriteIsRetriedAndALateDeleteIsRepaired() {
    CoreDriver d = twoNodes();
    d.statusWritesSucceed = false;
    d.probesFindNothing();
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(1);
    d.statusWritesSucceed = true;
    d.advance(Duration.ofSeconds(2));
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(2);
    d.send(new Event.StatusRemoved(WEB)); // the previous announcer's delete landed after this node's write
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(3);
  }

  @Test
  void aStatusNamingANodeThatIsGoneIsWrittenAgainButOneNamingALiveNodeIsLeftToItsOwner() {
    CoreDriver d = twoNodes();
    d.probesFindNothing();
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(1);
    // The dead node's write, queued at an API server that was away, lands after this node's.
    d.send(new Event.StatusPublished(WEB, "gone"));
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(2);
    // A live node's claim is a handover or a split brain, for their own rules: no write war.
    d.send(new Event.StatusPublished(WEB, "b"));
    assertThat(d.actionsOf(Action.WriteStatus.class)).hasSize(2);
  }
}

package io.ironlb.announce;

import static io.ironlb.announce.CoreDriver.advertisement;
import static io.ironlb.announce.CoreDriver.macOf;
import static io.ironlb.announce.CoreDriver.service;
import static io.ironlb.announce.IronLbRulesTest.ipWhere;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Moves that are planned, not failures: drain, SIGTERM, a node coming back, and a handover when
 * the election names another live node. Each is make-before-break: the old owner answers until the
 * new one's claim is heard (or its ServiceL2Status names it), so clients never wait for an answer.
 * Node {@code a} is the one under test.
 */
class PlannedMovesTest {
  static final ServiceKey WEB = new ServiceKey("default", "web");
  static final AdvertisementFacts ALL = advertisement("lan", List.of(), List.of());

  /** {@code a} announces web ({@code a} ranks first of a and b); b in the view. */
  static CoreDriver aAnnounces(SpeakerCore.Config config) {
    CoreDriver d = new CoreDriver(config).standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("a"), false, List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    d.probesFindNothing();
    assertThat(d.announces(WEB)).isTrue();
    return d;
  }

  static CoreDriver aAnnounces() {
    return aAnnounces(SpeakerCore.Config.of("a", List.of(), Duration.ofSeconds(30)));
  }

  static NodeInfo node(String name, boolean draining, Instant joinedAt) {
    return new NodeInfo(new NodeFacts(name, Map.of(), false), true, Set.of(macOf(name)), true, draining, joinedAt);
  }

  static Vip vip(CoreDriver d) {
    return d.core.announcements().get(WEB).getFirst();
  }

  // ---- make-before-break ----------------------------------------------------------------------

  record HandoverEnd(String name, Event afterLosing, boolean stillAnswersBefore) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<HandoverEnd> handoverEnds() {
    Vip ip = Vip.of(ipWhere("a"));
    return Stream.of(
        new HandoverEnd("the successor's claim is heard", new Event.ClaimHeard(ip, macOf("b"), "lan0", "gratuitous ARP"), true),
        new HandoverEnd("the successor's ServiceL2Status appears", new Event.StatusPublished(WEB, "b"), true));
  }

  @ParameterizedTest(name = "a draining node answers until {0}")
  @MethodSource("handoverEnds")
  void aDrainedNodeAnswersUntilItsSuccessorDoes(HandoverEnd c) {
    CoreDriver d = aAnnounces();
    d.send(new Event.NodeUpdated(node("a", true, null)));
    assertThat(d.core.winner(WEB)).isEqualTo("b");
    assertThat(d.announces(WEB)).as("still answering: b has not claimed it yet").isTrue();
    assertThat(d.loggedEvents()).contains("nodeDraining", "handingOver");
    assertThat(d.core.handoversPending()).isEqualTo(1);

    d.send(c.afterLosing());
    assertThat(d.announces(WEB)).isFalse();
    assertThat(d.core.handoversPending()).isZero();
    assertThat(d.actionsOf(Action.Log.class)).filteredOn(l -> l.event().equals("serviceWithdrawn"))
        .extracting(l -> l.fields().get("reason")).containsExactly("handed over to node \"b\"");
  }

  @Test
  void aHandoverWhoseSuccessorNeverClaimsEndsAfterTheTimeout() {
    CoreDriver d = aAnnounces();
    d.send(new Event.NodeUpdated(node("a", true, null)));
    d.advance(Duration.ofMillis(1900));
    assertThat(d.announces(WEB)).isTrue();
    d.advance(Duration.ofMillis(200));
    assertThat(d.announces(WEB)).isFalse();
  }

  @Test
  void theSuccessorDefendsWhenTheOldOwnersClaimReachesItAfterItsOwn() {
    CoreDriver d = new CoreDriver("b").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.NodeUpdated(node("a", true, null)));
    d.send(new Event.StatusPublished(WEB, "a"));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("a"), false, List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    assertThat(d.announces(WEB)).as("a drains: b takes it over, no probe (a announced it)").isTrue();
    assertThat(d.probes).isEmpty();

    d.send(new Event.ClaimHeard(Vip.of(ipWhere("a")), macOf("a"), "lan0", "ARP reply"));
    assertThat(d.loggedEvents()).as("a member of the view: no split brain").doesNotContain("splitBrain");
    assertThat(d.actionsOf(Action.Defend.class)).containsExactly(new Action.Defend(Vip.of(ipWhere("a"))));
  }

  @Test
  void aDrainedNodeKeepsWhatNoOtherNodeCanTake() {
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("b"), true, List.of(new EndpointFacts("a", true)), Map.of()), List.of()));
    d.probesFindNothing();
    assertThat(d.announces(WEB)).as("Local policy: only a has an endpoint").isTrue();
    d.send(new Event.NodeUpdated(node("a", true, null)));
    assertThat(d.announces(WEB)).as("nobody else could announce it: it stays rather than go dark").isTrue();
    assertThat(d.core.handoversPending()).isZero();
  }

  @Test
  void undrainingLetsTheNodeTakeItsAddressesBack() {
    CoreDriver d = aAnnounces();
    d.send(new Event.NodeUpdated(node("a", true, null)));
    d.send(new Event.StatusPublished(WEB, "b"));
    assertThat(d.announces(WEB)).isFalse();
    d.send(new Event.NodeUpdated(node("a", false, null)));
    assertThat(d.announces(WEB)).as("a ranks first again; b announced it, so no probe").isTrue();
    assertThat(d.loggedEvents()).contains("nodeUndrained");
  }

  // ---- SIGTERM --------------------------------------------------------------------------------

  @Test
  void leavingAnswersUntilAnotherNodeClaimsThenShutsDownQuietly() {
    CoreDriver d = aAnnounces();
    d.send(new Event.Leaving());
    assertThat(d.core.handoversPending()).isEqualTo(1);
    d.send(new Event.ViewChanged(Set.of()));
    assertThat(d.announces(WEB)).as("the view without a is no reason to stop answering before b does").isTrue();

    d.send(new Event.ClaimHeard(vip(d), macOf("b"), "lan0", "gratuitous ARP"));
    assertThat(d.announces(WEB)).isFalse();
    assertThat(d.core.handoversPending()).isZero();
    assertThat(d.send(new Event.Shutdown())).noneMatch(a -> a instanceof Action.Withdraw);
  }

  @Test
  void leavingGivesUpAfterTheTimeoutAndShutdownWithdrawsTheRest() {
    CoreDriver d = aAnnounces();
    d.send(new Event.Leaving());
    d.send(new Event.ServiceUpdated(service("other", VerificationTest.ipsWhere("a", "b").get(1), false,
        List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    assertThat(d.actionsOf(Action.Announce.class)).as("nothing new while leaving").hasSize(1);
    d.advance(Duration.ofSeconds(3));
    assertThat(d.announces(WEB)).isFalse();
  }

  // ---- failback hold-down ---------------------------------------------------------------------

  @Test
  void aReturningNodeWaitsOutTheHoldDownBeforeTakingItsAddressBack() {
    SpeakerCore.Config config = SpeakerCore.Config.of("a", List.of(), Duration.ofSeconds(30)).withFailbackHoldDown(Duration.ofSeconds(30));
    CoreDriver d = new CoreDriver(config).standard(List.of("a", "b"), List.of(ALL));
    // a comes back: it joined just now, b has held the address since a failed.
    d.send(new Event.NodeUpdated(node("a", false, d.now)));
    d.send(new Event.NodeUpdated(node("b", false, d.now.minusSeconds(3600))));
    d.send(new Event.StatusPublished(WEB, "b"));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("a"), false, List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    assertThat(d.core.winner(WEB)).isEqualTo("b");
    assertThat(d.announces(WEB)).isFalse();

    d.advance(Duration.ofSeconds(29));
    assertThat(d.announces(WEB)).isFalse();
    d.advance(Duration.ofSeconds(2));
    assertThat(d.core.winner(WEB)).isEqualTo("a");
    assertThat(d.announces(WEB)).as("held down long enough: a takes it back").isTrue();
  }

  @Test
  void withoutAHoldDownANodeTakesItsAddressBackAtOnce() {
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b"), List.of(ALL));
    d.send(new Event.NodeUpdated(node("a", false, d.now)));
    d.send(new Event.StatusPublished(WEB, "b"));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("a"), false, List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    assertThat(d.announces(WEB)).isTrue();
  }

  @Test
  void theHoldDownDoesNotApplyWhenEveryNodeIsNew() {
    SpeakerCore.Config config = SpeakerCore.Config.of("a", List.of(), Duration.ofSeconds(30)).withFailbackHoldDown(Duration.ofSeconds(30));
    CoreDriver d = new CoreDriver(config).standard(List.of("a", "b"), List.of(ALL));
    // A cold start: both speakers just joined. b's old status must not leave the address dark.
    d.send(new Event.NodeUpdated(node("a", false, d.now)));
    d.send(new Event.NodeUpdated(node("b", false, d.now)));
    d.send(new Event.StatusPublished(WEB, "b"));
    d.send(new Event.ServiceUpdated(service("web", ipWhere("a"), false, List.of(new EndpointFacts("b", true)), Map.of()), List.of()));
    assertThat(d.core.winner(WEB)).isEqualTo("a");
  }
}

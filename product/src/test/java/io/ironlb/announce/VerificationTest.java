package io.ironlb.announce;

import static io.ironlb.announce.CoreDriver.advertisement;
import static io.ironlb.announce.CoreDriver.macOf;
import static io.ironlb.announce.CoreDriver.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.Election;
import io.ironlb.election.EndpointFacts;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Verified announcements: the node next in line for an address checks that its owner answers
 * ARP/NDP with one of the owner's MACs, every few seconds, within a rate. An owner silent for two
 * checks in a row is passed over for that address here (the next in line announces it and says
 * {@code announcerSilent}); when it answers again, it gets the address back. Node {@code b} is the
 * one under test; node {@code a} owns web.
 */
class VerificationTest {
  static final ServiceKey WEB = new ServiceKey("default", "web");
  static final AdvertisementFacts ALL = advertisement("lan", List.of(), List.of());

  /** Addresses for which the election among {@code nodes} orders them as given, first to last. */
  static List<String> ipsWhere(String... order) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i < 255; i++) {
      String ip = "198.51.100." + i;
      if (Election.order(ip, List.of(order)).equals(List.of(order))) {
        out.add(ip);
      }
    }
    return out;
  }

  static final Vip IP = Vip.of(ipsWhere("a", "b", "c").getFirst());

  /** b, with a, b and c in the view; a owns web; b is next in line. */
  static CoreDriver b() {
    CoreDriver d = new CoreDriver("b").standard(List.of("a", "b", "c"), List.of(ALL));
    d.send(new Event.StatusPublished(WEB, "a"));
    d.send(new Event.ServiceUpdated(service("web", IP.text(), false, List.of(new EndpointFacts("c", true)), Map.of()), List.of()));
    return d;
  }

  private static List<Action.Verify> checksWithin(CoreDriver d, Duration d2) {
    int before = d.actionsOf(Action.Verify.class).size();
    d.advance(d2);
    List<Action.Verify> all = d.actionsOf(Action.Verify.class);
    return all.subList(before, all.size());
  }

  private static void answer(CoreDriver d, Action.Verify v, ProbeOutcome outcome) {
    d.send(new Event.VerifyFinished(v.ip(), v.owner(), outcome));
  }

  @Test
  void theNextInLineChecksTheOwnerEveryPeriodAndNotesItOnTheStatus() {
    CoreDriver d = b();
    List<Action.Verify> first = checksWithin(d, Duration.ofSeconds(5));
    assertThat(first).containsExactly(new Action.Verify(IP, "a", List.of()));
    answer(d, first.getFirst(), new ProbeOutcome.Taken(macOf("a"), "lan0"));
    assertThat(d.actionsOf(Action.RecordVerified.class)).extracting(Action.RecordVerified::owner).containsExactly("a");

    List<Action.Verify> second = checksWithin(d, Duration.ofSeconds(5));
    assertThat(second).hasSize(1);
    answer(d, second.getFirst(), new ProbeOutcome.Taken(macOf("a"), "lan0"));
    assertThat(d.actionsOf(Action.RecordVerified.class)).as("noted again only after ten minutes").hasSize(1);
    assertThat(d.announces(WEB)).isFalse();
  }

  @Test
  void aNodeNotNextInLineDoesNotCheck() {
    CoreDriver d = new CoreDriver("c").standard(List.of("a", "b", "c"), List.of(ALL));
    d.send(new Event.ServiceUpdated(service("web", IP.text(), false, List.of(new EndpointFacts("c", true)), Map.of()), List.of()));
    assertThat(checksWithin(d, Duration.ofSeconds(20))).isEmpty();
  }

  @Test
  void anOwnerSilentForTwoChecksIsPassedOverAndGetsTheAddressBackWhenItAnswers() {
    CoreDriver d = b();
    answer(d, checksWithin(d, Duration.ofSeconds(5)).getFirst(), new ProbeOutcome.Free());
    assertThat(d.announces(WEB)).as("one unanswered check is not enough").isFalse();
    answer(d, d.actionsOf(Action.Verify.class).getLast(), new ProbeOutcome.Free());

    assertThat(d.emittedReasons()).contains("announcerSilent");
    assertThat(d.actionsOf(Action.CountSilent.class)).containsExactly(new Action.CountSilent(IP, "a"));
    assertThat(d.core.winner(WEB)).isEqualTo("b");
    assertThat(d.announces(WEB)).as("b takes over, without a probe: a announced it").isTrue();
    assertThat(d.probes).isEmpty();

    // b keeps checking a; a answers again (its ARP gets out once more): it gets the address back.
    List<Action.Verify> again = checksWithin(d, Duration.ofSeconds(5));
    assertThat(again).extracting(Action.Verify::owner).containsExactly("a");
    answer(d, again.getFirst(), new ProbeOutcome.Taken(macOf("a"), "lan0"));
    assertThat(d.loggedEvents()).contains("announcerAnswers");
    assertThat(d.core.winner(WEB)).isEqualTo("a");
    d.send(new Event.ClaimHeard(IP, macOf("a"), "lan0", "gratuitous ARP"));
    assertThat(d.announces(WEB)).isFalse();
  }

  @Test
  void aMissedCheckIsCheckedAgainAtOnceSoASilentOwnerIsFoundWithinOnePeriod() {
    CoreDriver d = b();
    List<Action.Verify> first = checksWithin(d, Duration.ofSeconds(5));
    assertThat(first).hasSize(1);
    answer(d, first.getFirst(), new ProbeOutcome.Free());
    List<Action.Verify> all = d.actionsOf(Action.Verify.class);
    assertThat(all).as("the confirming check is asked for with the miss, not a period later").hasSize(2);
    answer(d, all.getLast(), new ProbeOutcome.Free());
    assertThat(d.announces(WEB)).isTrue();
    assertThat(Duration.between(CoreDriver.T0, d.now)).isLessThanOrEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aMissFollowedByAnAnswerIsNoSilenceAndChecksGoBackToTheirPeriod() {
    CoreDriver d = b();
    answer(d, checksWithin(d, Duration.ofSeconds(5)).getFirst(), new ProbeOutcome.Free());
    answer(d, d.actionsOf(Action.Verify.class).getLast(), new ProbeOutcome.Taken(macOf("a"), "lan0"));
    assertThat(d.emittedReasons()).doesNotContain("announcerSilent");
    assertThat(checksWithin(d, Duration.ofMillis(4900))).isEmpty();
    assertThat(checksWithin(d, Duration.ofMillis(200))).hasSize(1);
    assertThat(d.announces(WEB)).isFalse();
  }

  @Test
  void anOwnerWhoseAddressAnotherNodeHeldAnnouncesItAgainWhenThatNodeGivesItBack() {
    CoreDriver d = new CoreDriver("a").standard(List.of("a", "b", "c"), List.of(ALL));
    d.send(new Event.ServiceUpdated(service("web", IP.text(), false, List.of(new EndpointFacts("c", true)), Map.of()), List.of()));
    d.probesFindNothing();
    assertThat(d.announces(WEB)).isTrue();
    // b found a silent and announced web in its stead; a never stopped (it did not know its answers were lost).
    d.send(new Event.StatusPublished(WEB, "b"));
    assertThat(d.announces(WEB)).isTrue();
    assertThat(d.actionsOf(Action.Defend.class)).isEmpty();

    // a answers again; b hands web back and deletes its status. Clients still send to b: a tells them.
    List<Action> back = d.send(new Event.StatusRemoved(WEB));
    assertThat(back).contains(new Action.Defend(IP));
    assertThat(back).anyMatch(a -> a instanceof Action.WriteStatus w && w.service().equals(WEB));
  }

  @Test
  void aForeignAnswerToACheckIsLeftToTheAnnouncerNeitherConflictNorSilence() {
    CoreDriver d = b();
    MacAddress foreign = MacAddress.parse("3c:22:fb:00:00:50");
    for (int i = 0; i < 3; i++) {
      answer(d, checksWithin(d, Duration.ofSeconds(6)).getFirst(), new ProbeOutcome.Taken(foreign, "lan0"));
    }
    // The announcer hears the device's claims itself, defends the address and reports them; a mark
    // from here would take the address away from its Service behind the announcer's back.
    assertThat(d.actionsOf(Action.MarkConflict.class)).isEmpty();
    assertThat(d.emittedReasons()).doesNotContain("IPConflict", "announcerSilent");
    assertThat(d.core.winner(WEB)).isEqualTo("a");
    assertThat(d.announces(WEB)).isFalse();
  }

  @Test
  void checksStayWithinTheRate() {
    CoreDriver d = new CoreDriver("b").standard(List.of("a", "b"), List.of(ALL));
    List<String> ips = ipsWhere("a", "b");
    for (int i = 0; i < 50; i++) {
      d.send(new Event.ServiceUpdated(service("svc-" + i, ips.get(i), false, List.of(new EndpointFacts("a", true)), Map.of()),
          List.of()));
    }
    int total = 0;
    for (int second = 0; second < 10; second++) {
      int sent = checksWithin(d, Duration.ofSeconds(1)).size();
      assertThat(sent).as("checks in second %d", second).isLessThanOrEqualTo(20);
      total += sent;
    }
    assertThat(total).as("every one of the 50 addresses checked within two periods").isEqualTo(50);
  }

  @Test
  void theNextInLineHearsOfClientsRequestsForTheAddressesItChecksAndOnlyThose() {
    CoreDriver b = b();
    assertThat(b.actionsOf(Action.WatchRequests.class)).containsExactly(new Action.WatchRequests(IP, true));
    CoreDriver c = new CoreDriver("c").standard(List.of("a", "b", "c"), List.of(ALL));
    c.send(new Event.ServiceUpdated(service("web", IP.text(), false, List.of(new EndpointFacts("c", true)), Map.of()), List.of()));
    assertThat(c.actionsOf(Action.WatchRequests.class)).isEmpty();
    c.send(new Event.RequestHeard(IP));
    assertThat(c.actionsOf(Action.Verify.class)).as("c does not check web's owner").isEmpty();

    b.send(new Event.ServiceRemoved(WEB));
    assertThat(b.actionsOf(Action.WatchRequests.class)).containsExactly(new Action.WatchRequests(IP, true),
        new Action.WatchRequests(IP, false));
  }

  @Test
  void aClientAskingForTheAddressBringsTheCheckForwardSoASilentOwnerIsFoundWhileItWaits() {
    CoreDriver d = b();
    d.advance(Duration.ofMillis(1));
    assertThat(d.actionsOf(Action.Verify.class)).as("the period's check is not due yet").isEmpty();
    List<Action> asked = d.send(new Event.RequestHeard(IP));
    assertThat(asked).containsExactly(new Action.Verify(IP, "a", List.of()));
    d.advance(Duration.ofMillis(300));
    answer(d, d.actionsOf(Action.Verify.class).getLast(), new ProbeOutcome.Free());
    d.advance(Duration.ofMillis(300));
    answer(d, d.actionsOf(Action.Verify.class).getLast(), new ProbeOutcome.Free());
    assertThat(d.emittedReasons()).contains("announcerSilent");
    assertThat(d.announces(WEB)).isTrue();
    assertThat(Duration.between(CoreDriver.T0, d.now)).as("found within the client's first second of waiting")
        .isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void aClientThatKeepsAskingGetsAtMostOneCheckPerTenthOfAPeriod() {
    CoreDriver d = b();
    d.send(new Event.RequestHeard(IP));
    d.advance(Duration.ofMillis(20));
    answer(d, d.actionsOf(Action.Verify.class).getLast(), new ProbeOutcome.Taken(macOf("a"), "lan0"));
    int checks = d.actionsOf(Action.Verify.class).size();
    for (int i = 0; i < 4; i++) {
      d.send(new Event.RequestHeard(IP));
      d.advance(Duration.ofMillis(100));
    }
    assertThat(d.actionsOf(Action.Verify.class)).as("420 ms after a check began: none more").hasSize(checks);
    d.advance(Duration.ofMillis(100));
    assertThat(d.actionsOf(Action.Verify.class)).as("half a second after the last check began: the request's check").hasSize(checks + 1);
    assertThat(d.announces(WEB)).isFalse();
  }
}

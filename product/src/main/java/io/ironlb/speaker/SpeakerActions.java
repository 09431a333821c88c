package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.entries;
import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Service;
import io.ironlb.announce.Action;
import io.ironlb.announce.ConflictMark;
import io.ironlb.announce.Event;
import io.ironlb.announce.ProbeOutcome;
import io.ironlb.k8s.EventRecorder.Type;
import io.ironlb.l2.Layer2;
import io.ironlb.l2.ProbeResult;
import io.ironlb.model.Vip;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the speaker core's actions: the data plane, API writes, logs, metrics. An action
 * whose result the core must hear answers with an event: at once ({@code answer}, whose actions
 * come before the rest), or later from another thread ({@code later}, onto the worker).
 */
final class SpeakerActions {
  private static final Logger log = LoggerFactory.getLogger(Speaker.class);

  private final String node;
  private final Layer2 layer2;
  private final ApiWrites api;
  private final SpeakerMetrics metrics;
  private final SpeakerInformers informers;
  private final Function<Event, List<Action>> answer;
  private final Consumer<Event> later;
  private final Consumer<Instant> recheckAt;

  SpeakerActions(String node, Layer2 layer2, ApiWrites api, SpeakerMetrics metrics, SpeakerInformers informers,
      Function<Event, List<Action>> answer, Consumer<Event> later, Consumer<Instant> recheckAt) {
    this.node = node;
    this.layer2 = layer2;
    this.api = api;
    this.metrics = metrics;
    this.informers = informers;
    this.answer = answer;
    this.later = later;
    this.recheckAt = recheckAt;
  }

  /** Carries out one action; returns the actions of the core's answer to its result, if it has one. */
  List<Action> carryOut(Action action) {
    switch (action) {
      case Action.Announce a -> {
        List<String> used = new ArrayList<>();
        for (Vip ip : a.ips()) {
          layer2.announce(ip.address(), a.interfaces());
          for (String i : layer2.announcedOn(ip.address())) {
            if (!used.contains(i)) {
              used.add(i);
            }
          }
          metrics.announced(ip.text(), node, a.service().toString(), true);
        }
        used.sort(null);
        return answer.apply(new Event.Announced(a.service(), used));
      }
      case Action.Withdraw w -> {
        for (Vip ip : w.ips()) {
          layer2.withdraw(ip.address());
          metrics.announced(ip.text(), node, w.service().toString(), false);
        }
      }
      case Action.Probe p -> layer2.probe(p.ip().address(), p.interfaces(), p.ignoredMacs()).whenComplete((result, error) ->
          later.accept(new Event.ProbeFinished(p.ip(), p.purpose(), outcome(result, error))));
      case Action.WriteStatus w -> api.writeStatus(w.service(), w.interfaces(),
          written -> later.accept(new Event.StatusWriteFinished(w.service(), written)));
      case Action.DeleteStatus d -> api.deleteStatus(d.service());
      case Action.MarkConflict m -> api.markConflict(m.service(), new ConflictMark(m.ip(), m.mac()));
      case Action.ClearConflict c -> api.clearConflict(c.service(), c.ip());
      case Action.Emit e -> {
        Service s = informers.service(e.service().namespace(), e.service().name());
        if (s != null) {
          api.event(s, e.type() == Action.EventType.Warning ? Type.Warning : Type.Normal, e.reason(), e.message());
        }
      }
      case Action.Log l -> {
        if (l.level() == Action.Level.WARN) {
          log.warn(l.message(), kv("event", l.event()), entries(l.fields()));
        } else {
          log.info(l.message(), kv("event", l.event()), entries(l.fields()));
        }
      }
      case Action.CountFailover f -> metrics.failover(f.service().toString());
      case Action.CountConflict c -> metrics.conflict(c.ip().text(), c.mac().toString());
      case Action.SetFallback f -> metrics.membershipFallback(f.on());
      case Action.RecheckAt r -> recheckAt.accept(r.at());
      case Action.Verify v -> layer2.verify(v.ip().address(), v.interfaces()).whenComplete((result, error) ->
          later.accept(new Event.VerifyFinished(v.ip(), v.owner(), outcome(result, error))));
      case Action.Defend d -> layer2.defend(d.ip().address());
      case Action.WatchRequests w -> layer2.watchRequests(w.ip().address(), w.on());
      case Action.PeerMacs p -> layer2.peers(p.macs());
      case Action.RecordVerified r -> api.recordVerified(r.service(), r.owner(), node, r.at());
      case Action.CountSilent c -> metrics.silent(c.ip().text(), c.owner());
      case Action.PublishJoined j -> api.publishJoined(node, j.at());
    }
    return List.of();
  }

  private static ProbeOutcome outcome(ProbeResult result, Throwable error) {
    if (error != null) {
      return new ProbeOutcome.Failed(error.toString());
    }
    return switch (result) {
      case ProbeResult.Free f -> new ProbeOutcome.Free();
      case ProbeResult.NotProbed n -> new ProbeOutcome.NotProbed();
      case ProbeResult.Taken t -> new ProbeOutcome.Taken(t.mac(), t.interfaceName());
    };
  }

}

package io.ironlb.l2;

import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.Frame;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The data plane's logic with no socket in it: every received frame goes through
 * {@link #onFrame}, which decodes it once, shows it to running probes and to the conflict watch,
 * and lets the responder answer it. {@code io.ironlb.l2.linux} feeds it real frames; tests feed it
 * bytes and a fake {@link Link}.
 */
public final class Layer2Engine {

  private final Layer2Stats stats;
  private final Layer2Config config;
  private volatile InterfaceTable interfaces = InterfaceTable.EMPTY;
  private final Announcer announcer;
  private final Responder responder;
  private final ConflictProbe probe;
  private final ConflictWatch watch;
  private final RequestWatch requests;

  public Layer2Engine(Link link, Layer2Config config, Layer2Stats stats, Consumer<Claim> claims, ScheduledExecutorService scheduler,
      LongSupplier nanoTime, Consumer<String> log) {
    this.stats = stats;
    this.config = config;
    this.announcer = new Announcer(link, this::interfaces, stats, config.announce(), config.excludedInterfaces(), scheduler, nanoTime, log);
    this.requests = new RequestWatch(nanoTime);
    this.responder = new Responder(announcer, link, stats, new RateLimiter(config.rateLimit(), nanoTime), requests);
    this.probe = new ConflictProbe(link, this::interfaces, scheduler);
    this.watch = new ConflictWatch(announcer, this::interfaces, claims, config.claimQuietPeriod(), nanoTime);
  }

  /** Handles one received frame; never throws for any bytes. */
  public Outcome onFrame(int ifindex, boolean outgoing, ByteBuffer bytes) {
    Outcome outcome = decide(ifindex, outgoing, bytes);
    if (outcome instanceof Outcome.Dropped(DropReason reason)) {
      stats.dropped(reason);
    }
    return outcome;
  }

  private Outcome decide(int ifindex, boolean outgoing, ByteBuffer bytes) {
    if (outgoing) {
      return Outcome.dropped(DropReason.OWN_FRAME);
    }
    Frame frame;
    switch (Frame.decode(bytes)) {
      case Decoded.Ok<Frame>(Frame f) -> frame = f;
      case Decoded.Malformed<Frame> m -> {
        return Outcome.dropped(DropReason.MALFORMED);
      }
    }
    NetInterface ingress = interfaces.byIndex().get(ifindex);
    if (ingress == null) {
      return Outcome.dropped(DropReason.UNKNOWN_INTERFACE);
    }
    if (frame.ethernet().source().equals(ingress.mac())) {
      return Outcome.dropped(DropReason.OWN_FRAME);
    }
    probe.observe(ingress, frame);
    watch.observe(ingress, frame);
    return responder.answer(ingress, frame);
  }

  /** A new interface snapshot from discovery. */
  public void interfacesChanged(InterfaceTable now) {
    if (now.equals(interfaces)) {
      return;
    }
    interfaces = now;
    announcer.interfacesChanged(now);
  }

  public InterfaceTable interfaces() {
    return interfaces;
  }

  public void announce(InetAddress vip, List<String> explicitInterfaces) {
    announcer.announce(vip, explicitInterfaces);
  }

  public void withdraw(InetAddress vip) {
    announcer.withdraw(vip);
    watch.forget(vip);
  }

  public List<String> announcedOn(InetAddress vip) {
    return announcer.announcedOn(vip);
  }

  public CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> explicitInterfaces, Set<io.ironlb.l2.packet.MacAddress> clusterMacs) {
    return probe.probe(vip, announcingOn(vip, explicitInterfaces), clusterMacs, config.probe());
  }

  /** See {@link Layer2#verify}. */
  public CompletableFuture<ProbeResult> verify(InetAddress vip, List<String> explicitInterfaces) {
    return probe.probe(vip, announcingOn(vip, explicitInterfaces), Set.of(), ConflictProbe.Config.verification());
  }

  public void peers(Set<io.ironlb.l2.packet.MacAddress> macs) {
    watch.peers(macs);
  }

  /** The interfaces {@code vip} would be announced on: where probes and checks ask. */
  private List<NetInterface> announcingOn(InetAddress vip, List<String> explicitInterfaces) {
    return InterfaceSelection.select(vip, interfaces, explicitInterfaces, config.excludedInterfaces()).interfaces();
  }

  /** See {@link Layer2#watchRequests}. */
  public void watchRequests(InetAddress vip, boolean on) {
    requests.watch(vip, on);
  }

  /** See {@link Layer2#onRequest}. */
  public void onRequest(Consumer<InetAddress> listener) {
    requests.onRequest(listener);
  }

  public void defend(InetAddress vip) {
    announcer.defend(vip);
  }

  public Announcer announcer() {
    return announcer;
  }
}

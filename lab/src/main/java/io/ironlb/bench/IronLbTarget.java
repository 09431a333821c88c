package io.ironlb.bench;

import io.ironlb.lab.LabLayout;
import io.ironlb.lab.Lab;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.LabState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.election.Election;
import io.ironlb.netns.LabProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IronLB as the failover target: a test Service ({@value LabFailover#SERVICE}) whose address the
 * controller hands out from the lab's pool, picked so that its announcer is not the endpoint's node
 * (a cut must not cut the app), announced by the elected speaker. The home node is that announcer;
 * the faults hit its speaker process.
 */
final class IronLbTarget implements FailoverTarget {

  private static final Pattern VIEW = Pattern.compile("\"event\":\"membershipView\",\"members\":\"(\\[[^\"]*\\])\"");
  private static final Pattern TIMED_VIEW = Pattern.compile(
      "\\{\"ts\":\"([^\"]+)\"[^\\n]*\"event\":\"membershipView\",\"members\":\"(\\[[^\"]*\\])\"");

  private final Lab lab;
  private final LabState state;
  private final LabLayout layout;

  IronLbTarget(Lab lab, LabState state) {
    this.lab = lab;
    this.state = state;
    this.layout = state.layout();
  }

  @Override
  public String id() {
    return "ironlb";
  }

  @Override
  public String title() {
    return "Target: ironlb (the lab's controller and a speaker per node)";
  }

  @Override
  public String fault(LabFailover.Mode mode) {
    return mode.fault;
  }

  @Override
  public Placement place(KubernetesClient client, LabLayout.Node endpoint) throws InterruptedException {
    String vip = pickAddress(client, endpoint.name());
    if (vip == null) {
      throw new Refused("no free pool address (" + layout.poolRange4() + ") left for the test Service");
    }
    LabFailover.createService(client, LabFailover.SERVICE, endpoint, svc -> svc.editMetadata()
        .addToAnnotations("metallb.io/loadBalancerIPs", vip).endMetadata());
    String announcer = LabFailover.await("the controller and the speakers to announce " + vip, Duration.ofSeconds(30),
        () -> announcer(client));
    LabLayout.Node home = layout.node(announcer).orElseThrow();
    return new Placement(vip, home, String.format("Service %s/%s at %s (endpoint on %s) announced by %s",
        ClusterSeeder.APP_NS, LabFailover.SERVICE, vip, endpoint.name(), home.name()));
  }

  @Override
  public void kill(LabLayout.Node node) {
    speaker(node).kill();
  }

  @Override
  public void terminate(LabLayout.Node node) {
    speaker(node).stop(Duration.ofSeconds(10));
  }

  @Override
  public void restart(LabLayout.Node node) {
    if (!speaker(node).alive()) {
      lab.startSpeaker(LabState.load(state.dir()), node);
    }
  }

  /**
   * ServiceL2Status names {@code home}, and every speaker's last membership view holds every node
   * (after a cut, the address comes back through the split-brain guard seconds before the views
   * merge; a trial started before that would measure a node that is still half gone).
   */
  @Override
  public boolean holds(KubernetesClient client, LabLayout.Node home, String vip) {
    return home.name().equals(announcer(client)) && oneView();
  }

  @Override
  public String holders(KubernetesClient client, String vip) {
    return "announced by: " + announcer(client);
  }

  @Override
  public void close() {
    // Nothing of its own: the speakers are the lab's, the Service is deleted with the others.
  }

  /** Reloaded every time: the speaker restarted after the last trial is a new process. */
  private LabProcess speaker(LabLayout.Node node) {
    return LabState.load(state.dir()).process("speaker " + node.name()).orElseThrow();
  }

  /** The node named by the test Service's ServiceL2Status, or null while nobody (or more than one) announces it. */
  private static String announcer(KubernetesClient client) {
    String a = Lab.announcers(client).get(ClusterSeeder.APP_NS + "/" + LabFailover.SERVICE);
    return a == null || a.contains(",") ? null : a;
  }

  /** The first free pool address whose hash order, over all nodes, puts another node than {@code avoid} first. */
  private String pickAddress(KubernetesClient client, String avoid) {
    List<String> nodes = layout.nodes().stream().map(LabLayout.Node::name).toList();
    List<String> free = LabFailover.freeAddresses(client, layout, state);
    return free.stream().filter(ip -> !Election.order(ip, nodes).getFirst().equals(avoid)).findFirst()
        .orElse(free.isEmpty() ? null : free.getFirst());
  }

  /**
   * The last of the speakers' first whole views in [{@code from}, {@code to}]: each speaker's log
   * stamps when its listener heard a view holding every node; empty when a speaker heard none.
   */
  @Override
  public Optional<Instant> wholeViewBetween(Instant from, Instant to) {
    String all = new TreeSet<>(layout.nodes().stream().map(LabLayout.Node::name).toList()).toString();
    Instant last = null;
    for (LabLayout.Node n : layout.nodes()) {
      Matcher m = TIMED_VIEW.matcher(tail(state.log("speaker " + n.name()), 256 * 1024));
      Instant first = null;
      while (m.find() && first == null) {
        Instant at = Instant.parse(m.group(1));
        if (!at.isBefore(from) && !at.isAfter(to) && all.equals(m.group(2))) {
          first = at;
        }
      }
      if (first == null) {
        return Optional.empty();
      }
      last = last == null || first.isAfter(last) ? first : last;
    }
    return Optional.ofNullable(last);
  }

  /** Whether every speaker's last membership view (from its log) holds every node. */
  private boolean oneView() {
    String all = new TreeSet<>(layout.nodes().stream().map(LabLayout.Node::name).toList()).toString();
    for (LabLayout.Node n : layout.nodes()) {
      Matcher m = VIEW.matcher(tail(state.log("speaker " + n.name()), 256 * 1024));
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      if (!all.equals(last)) {
        return false;
      }
    }
    return true;
  }

  private static String tail(Path file, int bytes) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long from = Math.max(0, f.length() - bytes);
      byte[] b = new byte[(int) (f.length() - from)];
      f.seek(from);
      f.readFully(b);
      return new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}

package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.ironlb.k8s.SpeakerFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What kube-proxy would do on one node for LoadBalancer VIPs, as an nftables script: every node
 * DNATs {@code VIP:port} to the service's ready endpoints ({@code externalTrafficPolicy: Local}:
 * only those on this node), picking one at random when there are several, as kube-proxy does.
 * Traffic sent on to an endpoint on another node leaves through the internal link and is
 * masqueraded there, so the reply comes back the same way (kube-proxy's SNAT for
 * {@code Cluster} policy). A VIP:port without endpoints is rejected rather than routed back onto
 * the LAN. Pure: the stand-in feeds it the informers' caches and loads the script.
 */
public final class ProxyRules {

  public static final String TABLE = "ironlb_lab_proxy";

  private ProxyRules() {}

  /** One DNAT: {@code vip proto/port} to {@code targets} (addresses) at {@code targetPort}. */
  public record Rule(String vip, String protocol, int port, List<String> targets, int targetPort) {}

  public static List<Rule> rules(String node, List<Service> services, List<EndpointSlice> slices) {
    // Slices by the Service they belong to: matching every Service against every slice made a
    // sync quadratic, seconds long at 10,000 Services.
    Map<String, List<EndpointSlice>> byService = new HashMap<>();
    for (EndpointSlice slice : slices) {
      Map<String, String> labels = slice.getMetadata().getLabels();
      String owner = labels == null ? null : labels.get(SpeakerFacts.SERVICE_NAME_LABEL);
      if (owner != null) {
        byService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + owner, k -> new ArrayList<>()).add(slice);
      }
    }
    List<Rule> rules = new ArrayList<>();
    for (Service svc : services) {
      if (svc.getSpec() == null || !"LoadBalancer".equals(svc.getSpec().getType()) || svc.getStatus() == null
          || svc.getStatus().getLoadBalancer() == null || svc.getStatus().getLoadBalancer().getIngress() == null) {
        continue;
      }
      boolean local = "Local".equals(svc.getSpec().getExternalTrafficPolicy());
      String ns = svc.getMetadata().getNamespace();
      String name = svc.getMetadata().getName();
      for (LoadBalancerIngress ing : svc.getStatus().getLoadBalancer().getIngress()) {
        if (ing.getIp() == null || !Cidr.isIp(ing.getIp())) {
          continue;
        }
        String vip = Cidr.canonical(ing.getIp());
        String family = vip.contains(":") ? "IPv6" : "IPv4";
        for (ServicePort sp : svc.getSpec().getPorts() == null ? List.<ServicePort>of() : svc.getSpec().getPorts()) {
          TreeSet<String> targets = new TreeSet<>();
          int targetPort = -1;
          for (EndpointSlice slice : byService.getOrDefault(ns + "/" + name, List.of())) {
            if (!family.equals(slice.getAddressType())) {
              continue;
            }
            Integer port = slicePort(slice, sp);
            if (port == null) {
              continue;
            }
            for (Endpoint ep : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
              boolean ready = ep.getConditions() == null || !Boolean.FALSE.equals(ep.getConditions().getReady());
              if (!ready || (local && !node.equals(ep.getNodeName())) || ep.getAddresses() == null) {
                continue;
              }
              ep.getAddresses().stream().filter(Cidr::isIp).map(Cidr::canonical).forEach(targets::add);
              targetPort = port;
            }
          }
          String proto = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
          rules.add(new Rule(vip, proto, sp.getPort(), List.copyOf(targets), targetPort));
        }
      }
    }
    rules.sort(java.util.Comparator.comparing(Rule::vip).thenComparing(Rule::protocol).thenComparingInt(Rule::port));
    return List.copyOf(rules);
  }

  private static Integer slicePort(EndpointSlice slice, ServicePort sp) {
    List<EndpointPort> ports = slice.getPorts() == null ? List.of() : slice.getPorts();
    for (EndpointPort p : ports) {
      if (Objects.equals(emptyToNull(p.getName()), emptyToNull(sp.getName()))) {
        return p.getPort();
      }
    }
    IntOrString tp = sp.getTargetPort();
    if (ports.isEmpty() && tp != null && tp.getIntVal() != null) {
      return tp.getIntVal();
    }
    return null;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The whole table for one node, replacing the previous one atomically ({@code nft -f -}). */
  public static String script(List<Rule> rules, String internalIf) {
    StringBuilder dnat = new StringBuilder();
    TreeSet<String> rejected4 = new TreeSet<>();
    TreeSet<String> rejected6 = new TreeSet<>();
    for (Rule r : rules) {
      boolean v6 = r.vip().contains(":");
      String l3 = v6 ? "ip6" : "ip";
      String l4 = r.protocol().toLowerCase(java.util.Locale.ROOT);
      if (!l4.equals("tcp") && !l4.equals("udp")) {
        continue;
      }
      if (r.targets().isEmpty()) {
        (v6 ? rejected6 : rejected4).add(r.vip());
        continue;
      }
      dnat.append("    ").append(l3).append(" daddr ").append(r.vip()).append(' ').append(l4).append(" dport ").append(r.port())
          .append(" dnat ").append(l3).append(" to ");
      if (r.targets().size() == 1) {
        String t = r.targets().getFirst();
        dnat.append(v6 ? "[" + t + "]" : t).append(':').append(r.targetPort());
      } else {
        dnat.append("numgen random mod ").append(r.targets().size()).append(" map { ");
        for (int i = 0; i < r.targets().size(); i++) {
          dnat.append(i == 0 ? "" : ", ").append(i).append(" : ").append(r.targets().get(i));
        }
        dnat.append(" } : ").append(r.targetPort());
      }
      dnat.append('\n');
    }
    StringBuilder s = new StringBuilder();
    s.append("table inet ").append(TABLE).append('\n');
    s.append("delete table inet ").append(TABLE).append('\n');
    s.append("table inet ").append(TABLE).append(" {\n");
    // Numeric priorities: nft 1.0.6 accepts "dstnat" for prerouting only. -100 is dstnat.
    for (String hook : List.of("prerouting", "output")) {
      s.append("  chain ").append(hook).append(" {\n    type nat hook ").append(hook)
          .append(" priority -100; policy accept;\n").append(dnat).append("  }\n");
    }
    s.append("  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n")
        .append("    ct status dnat oifname \"").append(internalIf).append("\" masquerade\n  }\n");
    s.append("  chain forward {\n    type filter hook forward priority 0; policy accept;\n");
    if (!rejected4.isEmpty()) {
      s.append("    ip daddr { ").append(String.join(", ", rejected4)).append(" } reject\n");
    }
    if (!rejected6.isEmpty()) {
      s.append("    ip6 daddr { ").append(String.join(", ", rejected6)).append(" } reject\n");
    }
    s.append("  }\n}\n");
    return s.toString();
  }
}

package io.ironlb.ops;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Locale;
import java.util.Map;

/**
 * The two settings of kube-proxy's {@code KubeProxyConfiguration} (ConfigMap kube-system/kube-proxy,
 * key {@code config.conf}) that decide whether nodes' kernels answer ARP for Service IPs.
 *
 * @param mode as written; empty means the platform default (iptables on Linux)
 */
record KubeProxyConfig(String mode, boolean strictArp) {

  static final String CONFIG_KEY = "config.conf";

  /**
   * In IPVS mode kube-proxy puts every Service IP on the dummy interface {@code kube-ipvs0}; without
   * strictARP the kernel then answers ARP for them on every node, competing with the announcer.
   */
  boolean needsStrictArp() {
    return "ipvs".equals(mode.toLowerCase(Locale.ROOT)) && !strictArp;
  }

  @SuppressWarnings("unchecked")
  static KubeProxyConfig parse(String yaml) {
    Object parsed = new KubernetesSerialization().unmarshal(yaml, Map.class);
    if (!(parsed instanceof Map<?, ?> config)) {
      throw new IllegalArgumentException("is not a KubeProxyConfiguration document");
    }
    Object mode = config.get("mode");
    Object ipvs = config.get("ipvs");
    Object strict = ipvs instanceof Map<?, ?> m ? ((Map<String, Object>) m).get("strictARP") : null;
    return new KubeProxyConfig(mode == null ? "" : mode.toString(), Boolean.TRUE.equals(strict) || "true".equals(String.valueOf(strict)));
  }
}

/**
 * {@code ironlb lab}: the seed's cluster on one Linux machine.
 *
 * <p><b>Topology</b> ({@link io.ironlb.lab.LabLayout}): namespaces {@code ilab-switch} (bridges
 * {@code br-lan} and {@code br-int}), {@code ilab-mac} (the client, .2), {@code ilab-spark-2959}
 * (control plane, .11) and {@code ilab-spark-ba63} (.12), more workers with {@code --nodes}. LAN
 * 198.51.100.0/24 + 2001:db8:86::/64 on {@code lan0}, internal 203.0.113.0/24 +
 * 2001:db8:203::/64 on {@code int0}. Nothing is added to the root namespace.
 *
 * <p><b>Processes</b>, all recorded in the state file with PID and start time
 * ({@link io.ironlb.lab.LabState}, default {@code /run/ironlb-lab}, logs in {@code logs/}):
 * <ul>
 *   <li>{@code ironlb lab apiserver --state-dir D} (root namespace): fabric8's mock API server in
 *       CRUD mode on 127.0.0.1:random behind {@link io.ironlb.lab.LabDispatcher} (discovery,
 *       tables, merge/strategic patches, field selectors, pod logs), the unix socket
 *       {@code D/api.sock}, MetalLB's CRDs and the {@link io.ironlb.lab.KubeProxyStandIn};
 *   <li>per node {@code ironlb lab forward --listen 127.0.0.1:6443 --socket D/api.sock} inside the
 *       node namespace, so {@code D/kubeconfig-NODE} ({@code http://127.0.0.1:6443}) works there;
 *   <li>{@code ironlb lab app --name openwebui --node spark-ba63 --port 8080} and {@code ollama} on
 *       spark-2959, in the node namespaces;
 *   <li>{@code ironlb controller --kubeconfig D/kubeconfig --namespace metallb-system
 *       --metrics-port 0} (root namespace), when the build has the {@code controller} subcommand;
 *   <li>per node {@code ironlb speaker --node NAME --kubeconfig D/kubeconfig-NAME} inside the node
 *       namespace, with {@code NODE_NAME}, {@code POD_NAME=speaker-NAME},
 *       {@code POD_NAMESPACE=metallb-system} and {@code POD_IP} set, when the build has the
 *       {@code speaker} subcommand;
 *   <li>during {@code lab failover} only: {@code ironlb lab http-loop} in the client's namespace (the
 *       request loop, {@link io.ironlb.lab.ClientLoop}) and {@code ip monitor neigh} there; children
 *       of the command, which ends them.
 * </ul>
 * Each is {@code setsid [ip netns exec NS] java ... io.ironlb.cli.Main ...} with the same java and
 * class path as the command that started it ({@link io.ironlb.lab.SelfCommand}), output appended
 * to {@code D/logs/NAME.log}, and served as that pod's log by {@code kubectl logs}.
 */
package io.ironlb.lab;

package io.ironlb.k8s;

/** Names MetalLB users already have in their YAML, dashboards and scripts. */
public final class MetalLb {
  public static final String GROUP = "metallb.io";
  public static final String VERSION = "v1beta1";

  public static final String ANNOTATION_LOAD_BALANCER_IPS = "metallb.io/loadBalancerIPs";
  public static final String ANNOTATION_ADDRESS_POOL = "metallb.io/address-pool";
  public static final String ANNOTATION_ALLOW_SHARED_IP = "metallb.io/allow-shared-ip";
  public static final String ANNOTATION_ALLOCATED_FROM_POOL = "metallb.io/ip-allocated-from-pool";
  /** The pre-0.13 prefix; still honoured, with a Warning event. */
  public static final String DEPRECATED_PREFIX = "metallb.universe.tf/";
  public static final String CURRENT_PREFIX = "metallb.io/";

  public static final String CONTROLLER_COMPONENT = "metallb-controller";

  private MetalLb() {}
}

package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** MetalLB's {@code IPAddressPool}, read unchanged. */
@Group(MetalLb.GROUP)
@Version(MetalLb.VERSION)
@Kind("IPAddressPool")
@Plural("ipaddresspools")
public class IPAddressPool extends CustomResource<IPAddressPoolSpec, IPAddressPoolStatus> implements Namespaced {}

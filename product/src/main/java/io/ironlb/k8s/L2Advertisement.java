package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

@Group(MetalLb.GROUP)
@Version(MetalLb.VERSION)
@Kind("L2Advertisement")
@Plural("l2advertisements")
public class L2Advertisement extends CustomResource<L2AdvertisementSpec, Void> implements Namespaced {}

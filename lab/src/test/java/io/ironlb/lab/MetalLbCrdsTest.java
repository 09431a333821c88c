package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.k8s.IronLbCrds;
import org.junit.jupiter.api.Test;

class MetalLbCrdsTest {

  @Test
  void theLabHasIronLbsCrdsAndMetalLbsBgpOnes() {
    assertThat(MetalLbCrds.all()).extracting(c -> c.getMetadata().getName())
        .containsAll(IronLbCrds.all().stream().map(c -> c.getMetadata().getName()).toList())
        .contains("bgppeers.metallb.io", "bgpadvertisements.metallb.io", "bfdprofiles.metallb.io", "communities.metallb.io");
    assertThat(MetalLbCrds.all()).filteredOn(c -> c.getMetadata().getName().equals("ipaddresspools.metallb.io"))
        .singleElement().isEqualTo(IronLbCrds.all().getFirst());
  }
}

package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * IronLB's CustomResourceDefinitions as {@code kubectl apply -k deploy/crds} installs them, read
 * from the copy of {@code deploy/crds} the build packs into the jar (see the pom's resources): one
 * source for the lab's API server and the tests' mock cluster.
 */
public final class IronLbCrds {

  /** Where the jar holds {@code deploy/crds}. */
  static final String RESOURCE_DIR = "io/ironlb/crds/";
  /** {@code deploy/crds/metallb.io_*.yaml}; a test keeps this list complete. */
  public static final List<String> FILES = List.of(
      "metallb.io_ipaddresspools.yaml", "metallb.io_l2advertisements.yaml", "metallb.io_servicel2statuses.yaml",
      "metallb.io_configurationstates.yaml");

  private IronLbCrds() {}

  public static List<CustomResourceDefinition> all() {
    List<CustomResourceDefinition> all = new ArrayList<>();
    for (String file : FILES) {
      try (InputStream in = IronLbCrds.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE_DIR + file + " is not on the classpath: rebuild the jar (./ironlb builds it when"
              + " sources change)");
        }
        all.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + RESOURCE_DIR + file, e);
      }
    }
    return all;
  }
}

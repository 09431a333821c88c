package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ironlb.announce.Event;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.model.ServiceKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a change of a ServiceL2Status reaches the core, whatever the cache holds when the worker reads it. */
class SpeakerInformersTest {
  private static final ServiceKey WEB = new ServiceKey("default", "web");
  private static final String NAME = ServiceL2StatusWriter.name(WEB);

  @Test
  void anObjectThatCameAndWentBetweenTwoReadsIsReportedGone() {
    // Another node's write and its delete landed back to back (a queue of writes after a partition
    // healed): the worker finds nothing, and had forgotten the name at the object's previous delete.
    Map<String, ServiceKey> names = new HashMap<>();
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, WEB), null, names))
        .contains(new Event.StatusRemoved(WEB));
  }

  @Test
  void aPublishedObjectNamesItsAnnouncerAndIsRememberedForItsDelete() {
    Map<String, ServiceKey> names = new HashMap<>();
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, WEB), status("spark-2959"), names))
        .contains(new Event.StatusPublished(WEB, "spark-2959"));
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, null), null, names))
        .contains(new Event.StatusRemoved(WEB));
    assertThat(names).isEmpty();
  }

  @Test
  void anObjectOfNoKnownServiceIsIgnored() {
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, null), null, new HashMap<>())).isEqualTo(Optional.empty());
  }

  @Test
  void theCallbackNamesTheServiceFromTheStatusOrBeforeItIsWrittenFromTheLabels() {
    assertThat(SpeakerInformers.serviceOf(status("spark-2959"))).isEqualTo(WEB);
    ServiceL2Status created = new ServiceL2Status();
    created.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("metallb-system")
        .withLabels(Map.of(ServiceL2StatusWriter.SERVICE_NAME_LABEL, "web", ServiceL2StatusWriter.SERVICE_NAMESPACE_LABEL, "default")).build());
    assertThat(SpeakerInformers.serviceOf(created)).isEqualTo(WEB);
    ServiceL2Status bare = new ServiceL2Status();
    bare.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("metallb-system").build());
    assertThat(SpeakerInformers.serviceOf(bare)).isNull();
  }

  private static ServiceL2Status status(String node) {
    ServiceL2Status s = new ServiceL2Status();
    s.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("metallb-system").build());
    s.setStatus(new ServiceL2Status.Status(node, WEB.name(), WEB.namespace(), List.of()));
    return s;
  }
}

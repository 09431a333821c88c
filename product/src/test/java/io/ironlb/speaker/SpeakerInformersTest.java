package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ironlb.announce.Event;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.model.ServiceKey;
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
    // healed): the worker finds nothing in the cache; the change itself says whose object it was.
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, WEB), null))
        .contains(new Event.StatusRemoved(WEB));
  }

  @Test
  void aPublishedObjectNamesItsAnnouncer() {
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, WEB), status("spark-2959")))
        .contains(new Event.StatusPublished(WEB, "spark-2959"));
  }

  @Test
  void anObjectOfNoKnownServiceIsIgnored() {
    assertThat(SpeakerInformers.status(new SpeakerInformers.Change.OfStatus(NAME, null), null)).isEqualTo(Optional.empty());
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

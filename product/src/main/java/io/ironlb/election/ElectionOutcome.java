package io.ironlb.election;

import java.util.List;

/** Who announces, or why nobody does; the reason goes into logs and the withdraw event. */
public sealed interface ElectionOutcome {
  record Winner(String node, List<String> candidatesInOrder) implements ElectionOutcome {}

  record Nobody(Reason reason) implements ElectionOutcome {}

  enum Reason {
    NO_SERVING_ENDPOINT("no endpoint of the service is serving"),
    NO_ADVERTISEMENT("no L2Advertisement covers the service's pool"),
    NO_ELIGIBLE_NODE("no live node is eligible (excluded, network unavailable, not selected, or no local endpoint)");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }
}

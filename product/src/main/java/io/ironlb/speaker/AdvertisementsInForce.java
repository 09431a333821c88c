package io.ironlb.speaker;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.LastValid;
import io.ironlb.k8s.SpeakerFacts;
import io.ironlb.k8s.UnsupportedFields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The L2Advertisements the speaker plans with. A malformed one (a selector the API server's schema
 * would have refused) is left out, or kept in its last valid version ({@link LastValid}), and
 * reported once: its exception must not fail every plan, or no other change would be announced. A
 * field IronLB does not support is never ignored silently: it is reported once per set of such fields.
 */
final class AdvertisementsInForce {
  /** One advertisement that cannot be read, or sets fields IronLB ignores, and what is said about it. */
  record Problem(L2Advertisement advertisement, String reason, String message) {}

  private final LastValid<AdvertisementFacts> lastValid = new LastValid<>();
  /** Fields IronLB ignores, by advertisement, as last reported: said again only when they change. */
  private final Map<String, List<String>> unsupported = new HashMap<>();

  /** Reads every advertisement; {@code newProblems} are those not reported before. */
  List<AdvertisementFacts> read(List<L2Advertisement> advertisements, List<Problem> newProblems) {
    List<AdvertisementFacts> out = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (L2Advertisement ad : advertisements) {
      String name = ad.getMetadata().getName();
      present.add(name);
      try {
        lastValid.valid(name, SpeakerFacts.advertisement(ad));
      } catch (RuntimeException e) {
        LastValid.Rejection r = lastValid.invalid(name, "L2Advertisement " + name + ": "
            + (e instanceof IllegalArgumentException ? e.getMessage() : "cannot be read (" + e + ")"));
        if (r.isNew()) {
          newProblems.add(new Problem(ad, "InvalidConfiguration", r.message()));
        }
      }
      List<String> ignored = UnsupportedFields.of(ad);
      if (ignored.isEmpty()) {
        unsupported.remove(name);
      } else if (!ignored.equals(unsupported.put(name, ignored))) {
        newProblems.add(new Problem(ad, UnsupportedFields.EVENT_REASON, UnsupportedFields.message(ad, ignored)));
      }
      lastValid.inForce(name).ifPresent(out::add);
    }
    lastValid.retainOnly(present);
    unsupported.keySet().retainAll(present);
    return out;
  }

  /** What is wrong with the advertisements now, one message each (for the speaker's ConfigurationState). */
  List<String> problems() {
    return lastValid.problemMessages();
  }
}

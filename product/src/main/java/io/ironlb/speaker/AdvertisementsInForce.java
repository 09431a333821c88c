package io.ironlb.speaker;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.SpeakerFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The L2Advertisements the speaker plans with. A malformed one (a selector the API server's schema
 * would have refused) is left out, or kept in its last valid version, and reported once: its
 * exception must not fail every plan, or no other change would be announced.
 */
final class AdvertisementsInForce {
  /** One advertisement that cannot be read, and what is said about it. */
  record Problem(L2Advertisement advertisement, String message) {}

  private final Map<String, AdvertisementFacts> lastValid = new HashMap<>();
  private final Map<String, String> problems = new HashMap<>();

  /** Reads every advertisement; {@code newProblems} are those not reported before. */
  List<AdvertisementFacts> read(List<L2Advertisement> advertisements, List<Problem> newProblems) {
    List<AdvertisementFacts> out = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (L2Advertisement ad : advertisements) {
      String name = ad.getMetadata().getName();
      present.add(name);
      try {
        lastValid.put(name, SpeakerFacts.advertisement(ad));
        problems.remove(name);
      } catch (RuntimeException e) {
        String problem = "L2Advertisement " + name + ": " + (e instanceof IllegalArgumentException ? e.getMessage()
            : "cannot be read (" + e + ")") + (lastValid.containsKey(name) ? " (the last valid configuration stays in force)"
            : "; it is left out until corrected");
        if (!problem.equals(problems.put(name, problem))) {
          newProblems.add(new Problem(ad, problem));
        }
      }
      AdvertisementFacts facts = lastValid.get(name);
      if (facts != null) {
        out.add(facts);
      }
    }
    lastValid.keySet().retainAll(present);
    problems.keySet().retainAll(present);
    return out;
  }
}

package io.ironlb.deploy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.speaker.SpeakerApiExercise;
import io.ironlb.testing.MockCluster;
import java.util.List;

/** The speaker's requests, from {@link SpeakerApiExercise}. */
final class SpeakerExercise {
  private SpeakerExercise() {}

  static List<ApiCall> run(MockCluster cluster) throws Exception {
    Exercise exercise = new Exercise(cluster, "speaker");
    try (KubernetesClient client = exercise.client()) {
      SpeakerApiExercise.run(cluster, client);
    }
    return exercise.calls();
  }
}

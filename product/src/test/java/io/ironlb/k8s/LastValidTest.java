package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The last valid configuration per object, and a problem reported once. */
class LastValidTest {
  private final LastValid<String> objects = new LastValid<>();

  @Test
  void aValidVersionIsInForce() {
    assertThat(objects.valid("lan", "v1")).as("no problem was cleared").isFalse();

    assertThat(objects.inForce("lan")).contains("v1");
    assertThat(objects.problem("lan")).isEmpty();
    assertThat(objects.inForce()).isEqualTo(Map.of("lan", "v1"));
  }

  @Test
  void anInvalidEditKeepsTheLastValidVersionAndSaysSo() {
    objects.valid("lan", "v1");

    LastValid.Rejection r = objects.invalid("lan", "IPAddressPool lan: range starts after it ends");

    assertThat(r.lastValidKept()).isTrue();
    assertThat(r.isNew()).isTrue();
    assertThat(r.message()).isEqualTo("IPAddressPool lan: range starts after it ends (the last valid configuration stays in force)");
    assertThat(objects.inForce("lan")).contains("v1");
    assertThat(objects.problem("lan")).contains("IPAddressPool lan: range starts after it ends");
  }

  @Test
  void anObjectThatWasNeverValidIsLeftOut() {
    LastValid.Rejection r = objects.invalid("new", "L2Advertisement new: duplicate definition of ipAddressPools \"a\"");

    assertThat(r.lastValidKept()).isFalse();
    assertThat(r.message()).endsWith("; it is left out until corrected");
    assertThat(objects.inForce("new")).isEmpty();
    assertThat(objects.inForce()).isEmpty();
  }

  @Test
  void theSameProblemIsNewsOnceAndADifferentOneIsNewsAgain() {
    assertThat(objects.invalid("lan", "bad").isNew()).isTrue();
    assertThat(objects.invalid("lan", "bad").isNew()).isFalse();
    assertThat(objects.invalid("lan", "worse").isNew()).isTrue();
    assertThat(objects.invalid("lan", "bad").isNew()).isTrue();
  }

  @Test
  void aFixClearsTheProblemAndTheSameMistakeLaterIsNewsAgain() {
    objects.invalid("lan", "bad");

    assertThat(objects.valid("lan", "v2")).as("a problem was cleared").isTrue();
    assertThat(objects.problem("lan")).isEmpty();
    assertThat(objects.invalid("lan", "bad").isNew()).isTrue();
    assertThat(objects.inForce("lan")).contains("v2");
  }

  @Test
  void deletedObjectsAreForgottenSoARecreatedOneStartsAfresh() {
    objects.valid("gone", "v1");
    objects.invalid("gone", "bad");
    objects.valid("kept", "k1");

    objects.retainOnly(Set.of("kept"));

    assertThat(objects.inForce()).isEqualTo(Map.of("kept", "k1"));
    assertThat(objects.problems()).isEmpty();
    assertThat(objects.invalid("gone", "bad").lastValidKept()).isFalse();
  }

  @Test
  void problemMessagesSayWhatStaysInForce() {
    objects.valid("a", "v1");
    objects.invalid("a", "IPAddressPool a: bad");
    objects.invalid("b", "IPAddressPool b: bad");

    assertThat(objects.problemMessages()).containsExactly(
        "IPAddressPool a: bad (the last valid configuration stays in force)",
        "IPAddressPool b: bad; it is left out until corrected");
    assertThat(objects.problems()).containsOnlyKeys("a", "b");
    assertThat(List.copyOf(objects.inForce().keySet())).containsExactly("a");
  }
}

package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldSelectorTest {

  private final Object event = Json.parse("{\"type\":\"Warning\",\"involvedObject\":{\"kind\":\"Service\",\"name\":\"openwebui\"}}");

  @Test
  void equalityAndInequalityTermsAllHaveToHold() {
    assertThat(FieldSelector.matches("involvedObject.name=openwebui", event)).isTrue();
    assertThat(FieldSelector.matches("involvedObject.name==openwebui,type!=Normal", event)).isTrue();
    assertThat(FieldSelector.matches("involvedObject.name=ollama", event)).isFalse();
    assertThat(FieldSelector.matches("involvedObject.uid=", event)).as("a missing field is empty").isTrue();
  }
}

package io.ironlb.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.LabelSelector.Operator;
import io.ironlb.model.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {

  record Case(String name, LabelSelector selector, Map<String, String> labels, boolean matches) {
    @Override
    public String toString() {
      return name;
    }
  }

  static LabelSelector expr(String key, Operator op, String... values) {
    return new LabelSelector(Map.of(), List.of(new Requirement(key, op, List.of(values))));
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("the empty selector matches everything", LabelSelector.everything(), Map.of(), true),
        new Case("matchLabels needs every pair", LabelSelector.ofLabels(Map.of("a", "1", "b", "2")), Map.of("a", "1"), false),
        new Case("matchLabels ignores extra labels", LabelSelector.ofLabels(Map.of("a", "1")), Map.of("a", "1", "z", "9"), true),
        new Case("In matches a listed value", expr("env", Operator.IN, "prod", "staging"), Map.of("env", "prod"), true),
        new Case("In needs the key", expr("env", Operator.IN, "prod"), Map.of(), false),
        new Case("NotIn matches objects without the key", expr("env", Operator.NOT_IN, "prod"), Map.of(), true),
        new Case("NotIn refuses a listed value", expr("env", Operator.NOT_IN, "prod"), Map.of("env", "prod"), false),
        new Case("Exists needs the key, any value", expr("env", Operator.EXISTS), Map.of("env", ""), true),
        new Case("DoesNotExist refuses the key", expr("env", Operator.DOES_NOT_EXIST), Map.of("env", "x"), false),
        new Case("labels and expressions must all hold",
            new LabelSelector(Map.of("a", "1"), List.of(new Requirement("b", Operator.EXISTS, List.of()))), Map.of("a", "1"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void selectorsFollowKubernetesSemantics(Case c) {
    assertThat(c.selector().matches(c.labels())).isEqualTo(c.matches());
  }

  @org.junit.jupiter.api.Test
  void aServiceKeyPrintsAsNamespaceSlashName() {
    assertThat(new ServiceKey("default", "web")).hasToString("default/web");
    assertThat(ServiceKey.parse("default/web")).isEqualTo(new ServiceKey("default", "web"));
  }

  @org.junit.jupiter.api.Test
  void kubernetesOperatorSpellingsAreUnderstood() {
    assertThat(Operator.fromKubernetes("NotIn")).isEqualTo(Operator.NOT_IN);
  }
}

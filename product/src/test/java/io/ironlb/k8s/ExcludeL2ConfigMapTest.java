package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.ironlb.k8s.ExcludeL2ConfigMap.Parsed;
import io.ironlb.k8s.ExcludeL2ConfigMap.Result;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.testing.MockCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** MetalLB's {@code metallb-excludel2} ConfigMap, as a MetalLB install leaves it and as an operator may break it. */
class ExcludeL2ConfigMapTest {

  /** The content MetalLB's manifests and Helm chart ship. */
  static final String METALLB_DEFAULT = """
      announcedInterfacesToExclude:
      - ^docker.*
      - ^cbr.*
      - ^dummy.*
      - ^virbr.*
      - ^lxcbr.*
      - ^veth.*
      - ^lo$
      - ^cali.*
      - ^tunl.*
      - ^flannel.*
      - ^kube-ipvs.*
      - ^cni.*
      - ^nodelocaldns.*
      - ^lxc.*
      """;

  record Valid(String name, String yaml, List<String> patterns) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Valid> valid() {
    return Stream.of(
        new Valid("MetalLB's shipped list", METALLB_DEFAULT, List.of("^docker.*", "^cbr.*", "^dummy.*", "^virbr.*", "^lxcbr.*", "^veth.*",
            "^lo$", "^cali.*", "^tunl.*", "^flannel.*", "^kube-ipvs.*", "^cni.*", "^nodelocaldns.*", "^lxc.*")),
        new Valid("an empty document", "", List.of()),
        new Valid("no list", "somethingElse: true", List.of()),
        new Valid("an empty list", "announcedInterfacesToExclude: []", List.of()),
        new Valid("a null list", "announcedInterfacesToExclude:", List.of()),
        new Valid("an RE2 character class Java's regex would read otherwise", "announcedInterfacesToExclude: ['^[[:alpha:]]+0$']",
            List.of("^[[:alpha:]]+0$")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void aWellFormedListIsTakenAsWritten(Valid c) {
    assertThat(ExcludeL2ConfigMap.parse(c.yaml())).isEqualTo(new Parsed.Patterns(ExcludedInterfaces.of(c.patterns())));
  }

  record Malformed(String name, String yaml, String problem) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Malformed> malformed() {
    return Stream.of(
        new Malformed("not YAML", "announcedInterfacesToExclude: [^docker.*", "is not valid YAML"),
        new Malformed("a bare list", "- ^docker.*", "is not a YAML mapping; write \"announcedInterfacesToExclude:\""),
        new Malformed("a string, not a list", "announcedInterfacesToExclude: ^docker.*", "announcedInterfacesToExclude is not a list"),
        new Malformed("a number in the list", "announcedInterfacesToExclude: [^lo$, 42]",
            "announcedInterfacesToExclude[1] is not a string: 42; quote it or remove it"),
        new Malformed("an empty entry", "announcedInterfacesToExclude: [^lo$, '']",
            "announcedInterfacesToExclude[1] is an empty pattern, which would match every interface; remove it"),
        new Malformed("a null entry", "announcedInterfacesToExclude: [null]", "announcedInterfacesToExclude[0] is empty"),
        new Malformed("an invalid regular expression", "announcedInterfacesToExclude: ['^eth[0-']",
            "announcedInterfacesToExclude: entry 0 \"^eth[0-\" is not a valid RE2 regular expression"),
        new Malformed("a lookahead RE2 (and Go) refuses", "announcedInterfacesToExclude: ['^(?!eth)']",
            "entry 0 \"^(?!eth)\" is not a valid RE2 regular expression"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedListIsRefusedSayingWhatIsWrong(Malformed c) {
    assertThat(ExcludeL2ConfigMap.parse(c.yaml())).isInstanceOfSatisfying(Parsed.Malformed.class,
        m -> assertThat(m.problem()).contains(c.problem()));
  }

  @Test
  void withoutTheConfigMapNothingIsExcludedByName() throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      assertThat(read(cluster)).isEqualTo(new Result.Loaded(ExcludedInterfaces.none(), "no ConfigMap metallb-system/metallb-excludel2"));
    }
  }

  @Test
  void aConfigMapWithoutTheKeyExcludesNothing() throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      configMap(cluster, Map.of("other.yaml", METALLB_DEFAULT));

      assertThat(read(cluster)).isEqualTo(new Result.Loaded(ExcludedInterfaces.none(),
          "ConfigMap metallb-system/metallb-excludel2 has no key excludel2.yaml"));
    }
  }

  @Test
  void theConfigMapAMetalLbInstallLeavesIsHonoured() throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      configMap(cluster, Map.of(ExcludeL2ConfigMap.KEY, METALLB_DEFAULT));

      assertThat(read(cluster)).isInstanceOfSatisfying(Result.Loaded.class, loaded -> {
        assertThat(loaded.excluded().matching("flannel.1")).contains("^flannel.*");
        assertThat(loaded.excluded().matching("eth0")).isEmpty();
        assertThat(loaded.source()).isEqualTo("ConfigMap metallb-system/metallb-excludel2, key excludel2.yaml");
      });
    }
  }

  @Test
  void aMalformedConfigMapIsReportedNamingTheConfigMapAndTheKey() throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      configMap(cluster, Map.of(ExcludeL2ConfigMap.KEY, "announcedInterfacesToExclude: ['^eth[']"));

      assertThat(read(cluster)).isInstanceOfSatisfying(Result.Invalid.class, invalid -> {
        assertThat(invalid.problem()).startsWith("ConfigMap metallb-system/metallb-excludel2, key excludel2.yaml: "
            + "announcedInterfacesToExclude: entry 0 \"^eth[\" is not a valid RE2 regular expression");
        assertThat(invalid.configMap()).hasValueSatisfying(c -> assertThat(c.getMetadata().getName()).isEqualTo("metallb-excludel2"));
      });
    }
  }

  private static Result read(MockCluster cluster) throws InterruptedException {
    return ExcludeL2ConfigMap.read(cluster.client(), MockCluster.CONFIG_NAMESPACE, Duration.ofSeconds(5));
  }

  private static void configMap(MockCluster cluster, Map<String, String> data) {
    cluster.client().configMaps().inNamespace(MockCluster.CONFIG_NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata()
        .withName(ExcludeL2ConfigMap.NAME).withNamespace(MockCluster.CONFIG_NAMESPACE).endMetadata().withData(data).build()).create();
  }
}

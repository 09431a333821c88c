package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PatchesTest {

  record Case(String name, String target, String patch, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> mergePatches() {
    return Stream.of(
        new Case("arrays are replaced, not appended", "{\"spec\":{\"addresses\":[\"a\",\"b\"]}}",
            "{\"spec\":{\"addresses\":[\"c\"]}}", "{\"spec\":{\"addresses\":[\"c\"]}}"),
        new Case("null removes a key", "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
            "{\"metadata\":{\"labels\":{\"a\":null}}}", "{\"metadata\":{\"labels\":{\"b\":\"2\"}}}"),
        new Case("maps merge", "{\"spec\":{\"type\":\"ClusterIP\",\"x\":1}}", "{\"spec\":{\"type\":\"LoadBalancer\"}}",
            "{\"spec\":{\"type\":\"LoadBalancer\",\"x\":1}}"));
  }

  @ParameterizedTest
  @MethodSource("mergePatches")
  void jsonMergePatchFollowsRfc7386(Case c) {
    assertThat(Patches.mergePatch(Json.parse(c.target()), Json.parse(c.patch()))).isEqualTo(Json.parse(c.expected()));
  }

  static Stream<Case> strategicPatches() {
    String svc = "{\"spec\":{\"type\":\"ClusterIP\",\"ports\":[{\"name\":\"http\",\"port\":80},{\"name\":\"m\",\"port\":9100}]}}";
    return Stream.of(
        new Case("kubectl apply removing a port: merge by port, delete directive, order kept", svc,
            "{\"spec\":{\"$setElementOrder/ports\":[{\"port\":80}],\"ports\":[{\"$patch\":\"delete\",\"port\":9100}],\"type\":\"LoadBalancer\"}}",
            "{\"spec\":{\"type\":\"LoadBalancer\",\"ports\":[{\"name\":\"http\",\"port\":80}]}}"),
        new Case("changing one port keeps the others", svc,
            "{\"spec\":{\"ports\":[{\"port\":9100,\"name\":\"metrics\"}]}}",
            "{\"spec\":{\"type\":\"ClusterIP\",\"ports\":[{\"name\":\"http\",\"port\":80},{\"name\":\"metrics\",\"port\":9100}]}}"),
        new Case("a label is added next to the others (kubectl label)", "{\"metadata\":{\"labels\":{\"app\":\"x\"}}}",
            "{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}", "{\"metadata\":{\"labels\":{\"app\":\"x\",\"tier\":\"web\"}}}"),
        new Case("containers merge by name", "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"1\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"2\"}]}}",
            "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"2\"}]}}"),
        new Case("lists without a merge key are replaced", "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"a\"}]}}}",
            "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"b\"}]}}}", "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"b\"}]}}}"),
        new Case("$patch replace on a map", "{\"spec\":{\"selector\":{\"a\":\"1\",\"b\":\"2\"}}}",
            "{\"spec\":{\"selector\":{\"$patch\":\"replace\",\"c\":\"3\"}}}", "{\"spec\":{\"selector\":{\"c\":\"3\"}}}"),
        new Case("$retainKeys drops the other keys", "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{}}}}",
            "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}", "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}"),
        new Case("finalizers merge as a set with deletions", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
            "{\"metadata\":{\"$setElementOrder/finalizers\":[\"a\",\"c\"],\"$deleteFromPrimitiveList/finalizers\":[\"b\"],\"finalizers\":[\"c\"]}}",
            "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}"));
  }

  @ParameterizedTest
  @MethodSource("strategicPatches")
  void strategicMergePatchCoversWhatKubectlSends(Case c) {
    Map<String, Object> result = Patches.strategicMergePatch(Json.parse(c.target()), Json.parse(c.patch()));
    assertThat(result).isEqualTo(Json.parse(c.expected()));
  }
}

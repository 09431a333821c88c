package io.ironlb.crds;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.crds.CrdValidator.Result;
import io.ironlb.crds.CrdValidator.UnknownFields;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** A MetalLB user keeps their YAML: what works with MetalLB applies unchanged to IronLB's CRDs. */
class ExistingMetallbConfigurationTest {
    private static final CrdValidator VALIDATOR = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);
    private static final Path RESOURCES = Path.of("product/src/test/resources/crds");

    @Test
    void seedConfigIsAcceptedExactlyAsWritten() {
        List<JsonNode> objects = CrdValidator.readYaml(RESOURCES.resolve("seed-metallb-config.yaml"));

        assertThat(objects).extracting(o -> o.path("kind").asString() + "/" + o.path("metadata").path("name").asString())
                .containsExactly("IPAddressPool/lan-pool", "L2Advertisement/lan-advertisement");
        for (JsonNode object : objects) {
            Result result = VALIDATOR.validate(object, UnknownFields.STRICT);
            assertThat(result.errors()).as(object.path("metadata").path("name").asString()).isEmpty();
            assertThat(result.warnings()).isEmpty();
        }
    }

    @Test
    void seedPoolKeepsItsRangeAndGetsMetallbDefaults() {
        JsonNode pool = CrdValidator.readYaml(RESOURCES.resolve("seed-metallb-config.yaml")).getFirst();

        JsonNode stored = VALIDATOR.validate(pool, UnknownFields.STRICT).object();

        assertThat(stored.path("spec").path("addresses").get(0).asString()).isEqualTo("192.168.86.200-192.168.86.220");
        assertThat(stored.path("spec").path("autoAssign").asBoolean(false)).isTrue();
        assertThat(stored.path("spec").path("avoidBuggyIPs").isBoolean()).isTrue();
    }

    static Stream<Named<JsonNode>> documentationExamples() {
        List<JsonNode> objects = CrdValidator.readYaml(RESOURCES.resolve("metallb-docs-examples.yaml"));
        return IntStream.range(0, objects.size()).mapToObj(i -> Named.of("example " + (i + 1) + ": "
                + objects.get(i).path("kind").asString() + " " + objects.get(i).path("metadata").path("name").asString(), objects.get(i)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentationExamples")
    void metallbDocumentationExampleIsAccepted(JsonNode example) {
        Result result = VALIDATOR.validate(example, UnknownFields.STRICT);

        assertThat(result.errors()).isEmpty();
        assertThat(result.warnings()).isEmpty();
    }

    @Test
    void documentationExamplesCoverEveryKindAndTheFeaturesUsersRelyOn() {
        String all = documentationExamples().map(n -> n.getPayload().toString()).reduce("", String::concat);

        assertThat(all).contains("\"kind\":\"IPAddressPool\"", "\"kind\":\"L2Advertisement\"", "\"kind\":\"ServiceL2Status\"",
                "fc00:f853:0ccd:e799::/124", "2001:db8:1::10-2001:db8:1::20", "192.168.9.1-192.168.9.5",
                "\"priority\":50", "namespaceSelectors", "serviceSelectors", "nodeSelectors", "interfaces", "ipAddressPoolSelectors",
                "preferredNodeSelectors");
    }
}

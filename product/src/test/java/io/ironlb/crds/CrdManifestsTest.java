package io.ironlb.crds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The manifests themselves: what an API server demands of a CRD, and what MetalLB users see. */
class CrdManifestsTest {
    private static final Path DIRECTORY = CrdCase.CRD_DIRECTORY;

    private static List<JsonNode> crds() {
        List<JsonNode> crds = new ArrayList<>();
        for (JsonNode resource : CrdValidator.readYaml(DIRECTORY.resolve("kustomization.yaml")).getFirst().path("resources")) {
            crds.addAll(CrdValidator.readYaml(DIRECTORY.resolve(resource.asString(""))));
        }
        return crds;
    }

    private static JsonNode schemaOf(String kind) {
        return crds().stream().filter(crd -> crd.path("spec").path("names").path("kind").asString("").equals(kind))
                .findFirst().orElseThrow().path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
    }

    /** Visits every schema node with its path, e.g. "IPAddressPool spec.addresses[*]". */
    private static void walk(JsonNode schema, String path, BiConsumer<String, JsonNode> visitor) {
        visitor.accept(path, schema);
        for (String name : schema.path("properties").propertyNames()) walk(schema.path("properties").get(name), path + "." + name, visitor);
        if (schema.path("items").isObject()) walk(schema.get("items"), path + "[*]", visitor);
        if (schema.path("additionalProperties").isObject()) walk(schema.get("additionalProperties"), path + ".*", visitor);
    }

    private static void walkAll(BiConsumer<String, JsonNode> visitor) {
        for (JsonNode crd : crds()) {
            walk(crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema"),
                    crd.path("spec").path("names").path("kind").asString(""), visitor);
        }
    }

    @Test
    void kustomizationListsEveryCrdFileAndNothingElse() throws IOException {
        Set<String> listed = new HashSet<>();
        CrdValidator.readYaml(DIRECTORY.resolve("kustomization.yaml")).getFirst().path("resources").forEach(r -> listed.add(r.asString("")));
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> !f.equals("kustomization.yaml")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    @Test
    void everyCrdIsMetallbsNamespacedV1beta1WithAStatusSubresource() {
        assertThat(crds()).extracting(crd -> crd.path("spec").path("names").path("kind").asString(""))
                .containsExactlyInAnyOrder("IPAddressPool", "L2Advertisement", "ServiceL2Status", "ConfigurationState");
        for (JsonNode crd : crds()) {
            String kind = crd.path("spec").path("names").path("kind").asString("");
            assertThat(crd.path("apiVersion").asString("")).as(kind).isEqualTo("apiextensions.k8s.io/v1");
            assertThat(crd.path("metadata").path("name").asString(""))
                    .isEqualTo(crd.path("spec").path("names").path("plural").asString("") + ".metallb.io");
            assertThat(crd.path("spec").path("group").asString("")).isEqualTo("metallb.io");
            assertThat(crd.path("spec").path("scope").asString("")).isEqualTo("Namespaced");
            assertThat(crd.path("spec").path("versions")).hasSize(1);
            JsonNode version = crd.path("spec").path("versions").get(0);
            assertThat(version.path("name").asString("")).isEqualTo("v1beta1");
            assertThat(version.path("served").asBoolean(false) && version.path("storage").asBoolean(false)).as(kind).isTrue();
            assertThat(version.path("subresources").has("status")).as(kind).isTrue();
        }
    }

    @Test
    void everySchemaNodeIsStructuralWithAType() {
        walkAll((path, schema) -> assertThat(schema.has("type")).as(path).isTrue());
    }

    @Test
    void everyStringListAndMapIsBoundedSoTheApiServerCanCostTheRules() {
        Set<String> unbounded = Set.of("IPAddressPool.apiVersion", "IPAddressPool.kind",
                "L2Advertisement.apiVersion", "L2Advertisement.kind", "ServiceL2Status.apiVersion", "ServiceL2Status.kind",
                "ConfigurationState.apiVersion", "ConfigurationState.kind");
        walkAll((path, schema) -> {
            String type = schema.path("type").asString("");
            if (unbounded.contains(path)) return;
            // Kubernetes costs a date-time string as a timestamp, and an enum by its longest value.
            if (type.equals("string") && !schema.has("enum") && !schema.path("format").asString("").equals("date-time")) {
                assertThat(schema.has("maxLength")).as(path + " has maxLength").isTrue();
            }
            if (type.equals("array")) assertThat(schema.has("maxItems")).as(path + " has maxItems").isTrue();
            if (type.equals("object") && schema.has("additionalProperties")) {
                assertThat(schema.has("maxProperties")).as(path + " has maxProperties").isTrue();
            }
        });
    }

    @Test
    void everyRuleHasAMessageThatNamesAField() {
        walkAll((path, schema) -> {
            for (JsonNode rule : schema.path("x-kubernetes-validations")) {
                assertThat(rule.path("message").asString("")).as(path).matches("^(spec|status|matchExpressions)[.:a-zA-Z]*[: ].*");
            }
        });
    }

    @Test
    void everyLabelSelectorHasTheSameSchema() {
        List<JsonNode> selectors = new ArrayList<>();
        walkAll((path, schema) -> {
            if (schema.path("properties").has("matchLabels")) selectors.add(schema);
        });

        assertThat(selectors).as("two in IPAddressPool, four in L2Advertisement").hasSize(6);
        assertThat(Set.copyOf(selectors)).hasSize(1);
    }

    @Test
    void printerColumnsAreMetallbs() {
        Map<String, List<String>> expected = Map.of(
                "IPAddressPool", List.of("Auto Assign=.spec.autoAssign", "Avoid Buggy IPs=.spec.avoidBuggyIPs",
                        "Addresses=.spec.addresses", "Age=.metadata.creationTimestamp"),
                "L2Advertisement", List.of("IPAddressPools=.spec.ipAddressPools",
                        "IPAddressPool Selectors=.spec.ipAddressPoolSelectors", "Interfaces=.spec.interfaces",
                        "Node Selectors=.spec.nodeSelectors", "Age=.metadata.creationTimestamp"),
                "ServiceL2Status", List.of("Allocated Node=.status.node", "Service Name=.status.serviceName",
                        "Service Namespace=.status.serviceNamespace", "Age=.metadata.creationTimestamp"),
                "ConfigurationState", List.of("Result=.status.result", "ErrorSummary=.status.errorSummary",
                        "Age=.metadata.creationTimestamp"));
        for (JsonNode crd : crds()) {
            List<String> columns = new ArrayList<>();
            crd.path("spec").path("versions").get(0).path("additionalPrinterColumns")
                    .forEach(c -> columns.add(c.path("name").asString("") + "=" + c.path("jsonPath").asString("")));
            assertThat(columns).isEqualTo(expected.get(crd.path("spec").path("names").path("kind").asString("")));
        }
    }

    @Test
    void poolDefaultsAreMetallbs() {
        JsonNode spec = schemaOf("IPAddressPool").path("properties").path("spec").path("properties");

        assertThat(spec.path("autoAssign").path("default").asBoolean(false)).isTrue();
        assertThat(spec.path("avoidBuggyIPs").path("default").isBoolean()).isTrue();
        assertThat(spec.path("avoidBuggyIPs").path("default").asBoolean(true)).isFalse();
        assertThat(schemaOf("IPAddressPool").path("required").get(0).asString("")).isEqualTo("spec");
    }
}

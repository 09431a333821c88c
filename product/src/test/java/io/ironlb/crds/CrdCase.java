package io.ironlb.crds;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.crds.CrdValidator.Result;
import io.ironlb.crds.CrdValidator.UnknownFields;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * One row of a CRD table: an object (and, for an update, the object it replaces), and either
 * acceptance ({@code error == null}) or a refusal whose message contains {@code error}.
 * Rows are plain data, so {@link EveryCelRuleIsExercisedTest} can replay every table.
 */
record CrdCase(String name, String yaml, String oldYaml, String error) {
    static final Path CRD_DIRECTORY = Path.of("deploy/crds");

    static CrdCase accepted(String name, String yaml) {
        return new CrdCase(name, yaml, null, null);
    }

    static CrdCase refused(String name, String yaml, String error) {
        return new CrdCase(name, yaml, null, error);
    }

    static CrdCase update(String name, String oldYaml, String yaml, String error) {
        return new CrdCase(name, yaml, oldYaml, error);
    }

    /** An IPAddressPool named test-pool whose spec is {@code spec} (YAML, one level below spec:). */
    static String pool(String spec) {
        return object("IPAddressPool", "test-pool", "spec:\n" + indent(spec));
    }

    static String advertisement(String spec) {
        return object("L2Advertisement", "test-advertisement", "spec:\n" + indent(spec));
    }

    static String l2Status(String status) {
        return object("ServiceL2Status", "l2-web-0", "status:\n" + indent(status));
    }

    static String object(String kind, String name, String body) {
        return "apiVersion: metallb.io/v1beta1\nkind: " + kind + "\nmetadata:\n  name: " + name
                + "\n  namespace: metallb-system\n" + body + "\n";
    }

    private static String indent(String yaml) {
        return yaml.isEmpty() ? "  {}" : "  " + yaml.replace("\n", "\n  ");
    }

    Result run(CrdValidator validator) {
        JsonNode object = CrdValidator.parseYaml(yaml).getFirst();
        JsonNode old = oldYaml == null ? null : CrdValidator.parseYaml(oldYaml).getFirst();
        return validator.validateUpdate(object, old, UnknownFields.STRICT);
    }

    void check(CrdValidator validator) {
        Result result = run(validator);
        if (error == null) {
            assertThat(result.errors()).as(name).isEmpty();
        } else {
            assertThat(result.errors()).as(name).anySatisfy(message -> assertThat(message).contains(error));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

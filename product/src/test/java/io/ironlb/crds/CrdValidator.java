package io.ironlb.crds;

import com.google.re2j.Pattern;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks objects against the CRDs in {@code deploy/crds} as an API server would on create or
 * update, with no API server (fabric8's mock enforces no schema, and kubectl needs a server even
 * for a client-side dry run). In the API server's order:
 *
 * <ol>
 *   <li>unknown fields are pruned, and either refused ({@link UnknownFields#STRICT}: what
 *       {@code kubectl apply} does by default, {@code --validate=strict}) or reported as warnings
 *       ({@link UnknownFields#WARN}: what the API server does for a client that sets no
 *       {@code fieldValidation}, such as fabric8, and {@code kubectl apply --validate=warn});
 *   <li>defaults are applied;
 *   <li>the structural schema is checked (networknt json-schema-validator, OpenAPI 3.0 dialect,
 *       {@code pattern} in RE2 syntax via re2j as in the API server), with {@code metadata.name}
 *       and the uniqueness of {@code x-kubernetes-list-type} set and map lists;
 *   <li>the {@code x-kubernetes-validations} CEL rules run ({@link CelRules}), unless a value had
 *       the wrong type, as the API server skips them then.
 * </ol>
 */
public final class CrdValidator {
    /**
     * How to treat fields the schema does not know (the API server's {@code fieldValidation}).
     * Either way they are pruned from {@link Result#object()}.
     */
    public enum UnknownFields { WARN, STRICT }

    /** The object as it would be stored (pruned, defaulted), and what the API server would say. */
    public record Result(JsonNode object, List<String> errors, List<String> warnings) {
        public boolean accepted() {
            return errors.isEmpty();
        }
    }

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    private final Map<String, JsonNode> openApiSchemas = new HashMap<>(); // by "group/version/Kind"
    private final Map<String, Schema> structuralSchemas = new HashMap<>();
    private final CelRules celRules = new CelRules();

    private CrdValidator(List<JsonNode> crds) {
        // The x-kubernetes-* keywords are the API server's (list types, CEL); the JSON Schema side skips them.
        Dialect openApi30 = Dialect.builder(Dialects.getOpenApi30())
                .keywords(Stream.of("x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                                "x-kubernetes-map-type", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
                                "x-kubernetes-embedded-resource")
                        .map(NonValidationKeyword::new).toList())
                .build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(openApi30, builder -> builder
                .schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .regularExpressionFactory(regex -> Pattern.compile(regex)::matches)
                        .formatAssertionsEnabled(true)
                        .build()));
        for (JsonNode crd : crds) {
            String group = crd.path("spec").path("group").asString("");
            String kind = crd.path("spec").path("names").path("kind").asString("");
            for (JsonNode version : crd.path("spec").path("versions")) {
                JsonNode schema = version.path("schema").path("openAPIV3Schema");
                String key = group + "/" + version.path("name").asString("") + "/" + kind;
                celRules.compileAll(kind + " ", schema);
                openApiSchemas.put(key, schema);
                structuralSchemas.put(key, registry.getSchema(schema));
            }
        }
    }

    /** Loads the CRDs that {@code kustomization.yaml} in {@code directory} lists. */
    public static CrdValidator fromKustomization(Path directory) {
        List<JsonNode> crds = new ArrayList<>();
        for (JsonNode resource : readYaml(directory.resolve("kustomization.yaml")).getFirst().path("resources")) {
            crds.addAll(readYaml(directory.resolve(resource.asString(""))));
        }
        return new CrdValidator(crds);
    }

    /** The objects of a YAML file, one per document; empty documents are skipped. */
    public static List<JsonNode> readYaml(Path file) {
        try {
            return parseYaml(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<JsonNode> parseYaml(String yaml) {
        return YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll().stream()
                .filter(node -> node != null && node.isObject())
                .toList();
    }

    /**
     * Every CEL rule of the CRDs ("IPAddressPool spec.addresses[*] #2") with the outcomes seen by
     * this validator so far: {@code true} when the rule passed, {@code false} when it refused.
     */
    public Map<String, Set<Boolean>> celRuleOutcomes() {
        return celRules.outcomes();
    }

    /** How many CEL expression nodes the rules have evaluated so far (each costs at least 1 on an API server). */
    public long celEvaluationSteps() {
        return celRules.steps();
    }

    /** Validates {@code object} as a create. */
    public Result validate(JsonNode object, UnknownFields unknownFields) {
        return validateUpdate(object, null, unknownFields);
    }

    /** Validates {@code object} as an update of {@code old} (null for a create), so transition rules run. */
    public Result validateUpdate(JsonNode object, JsonNode old, UnknownFields unknownFields) {
        String key = object.path("apiVersion").asString("") + "/" + object.path("kind").asString("");
        JsonNode schema = openApiSchemas.get(key);
        if (schema == null) {
            return new Result(object, List.of("no CustomResourceDefinition serves " + key), List.of());
        }
        ObjectNode copy = (ObjectNode) object.deepCopy();
        List<String> unknown = new ArrayList<>();
        prune(copy, schema, "", unknown);
        applyDefaults(copy, schema);

        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String field : unknown) {
            (unknownFields == UnknownFields.STRICT ? errors : warnings).add("unknown field \"" + field + "\"");
        }
        String name = copy.path("metadata").path("name").asString("");
        if (name.isEmpty()) {
            errors.add("metadata.name: Required value: name or generateName is required");
        } else if (name.length() > 253 || !DNS_SUBDOMAIN.matches(name)) {
            errors.add("metadata.name: Invalid value: \"" + name + "\": must be a lowercase RFC 1123 subdomain");
        }
        boolean typeError = false;
        for (Error error : structuralSchemas.get(key).validate(copy)) {
            errors.add(describe(error));
            typeError |= "type".equals(error.getKeyword());
        }
        checkListTypes(copy, schema, "", errors);
        if (typeError) {
            errors.add("some validation rules were not checked because the object was invalid; correct the existing errors");
        } else {
            celRules.validate(copy, old, schema, "", object.path("kind").asString("") + " ", errors);
        }
        return new Result(copy, List.copyOf(errors), List.copyOf(warnings));
    }

    private static void prune(JsonNode node, JsonNode schema, String path, List<String> unknown) {
        if (node.isObject() && schema.has("properties")) {
            for (String name : List.copyOf(node.propertyNames())) {
                String child = path.isEmpty() ? name : path + "." + name;
                if (path.isEmpty() && name.equals("metadata")) continue; // ObjectMeta is the API server's own
                if (schema.path("properties").has(name)) {
                    prune(node.get(name), schema.path("properties").get(name), child, unknown);
                } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                    ((ObjectNode) node).remove(name);
                    unknown.add(child);
                }
            }
        } else if (node.isObject() && schema.path("additionalProperties").isObject()) {
            for (String name : node.propertyNames()) {
                prune(node.get(name), schema.get("additionalProperties"), path + "." + name, unknown);
            }
        } else if (node.isArray() && schema.path("items").isObject()) {
            for (int i = 0; i < node.size(); i++) prune(node.get(i), schema.get("items"), path + "[" + i + "]", unknown);
        }
    }

    private static void applyDefaults(JsonNode node, JsonNode schema) {
        if (node.isObject()) {
            JsonNode properties = schema.path("properties");
            for (String name : properties.propertyNames()) {
                JsonNode property = properties.get(name);
                boolean absent = !node.has(name) || (node.get(name).isNull() && !property.path("nullable").asBoolean(false));
                if (absent && property.has("default")) ((ObjectNode) node).set(name, property.get("default").deepCopy());
                if (node.has(name)) applyDefaults(node.get(name), property);
            }
            if (schema.path("additionalProperties").isObject()) {
                for (JsonNode value : node) applyDefaults(value, schema.get("additionalProperties"));
            }
        } else if (node.isArray() && schema.path("items").isObject()) {
            for (JsonNode item : node) applyDefaults(item, schema.get("items"));
        }
    }

    private static void checkListTypes(JsonNode node, JsonNode schema, String path, List<String> errors) {
        if (node.isArray()) {
            String listType = schema.path("x-kubernetes-list-type").asString("atomic");
            Set<JsonNode> seen = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode identity = node.get(i);
                if (listType.equals("map")) {
                    ObjectNode keys = YAML.createObjectNode();
                    for (JsonNode key : schema.path("x-kubernetes-list-map-keys")) keys.set(key.asString(""), node.get(i).path(key.asString("")));
                    identity = keys;
                }
                if (!listType.equals("atomic") && !seen.add(identity)) {
                    errors.add(path + "[" + i + "]: Duplicate value: " + identity);
                }
                checkListTypes(node.get(i), schema.path("items"), path + "[" + i + "]", errors);
            }
        } else if (node.isObject()) {
            for (String name : node.propertyNames()) {
                JsonNode child = schema.path("properties").has(name) ? schema.path("properties").get(name) : schema.path("additionalProperties");
                checkListTypes(node.get(name), child, path.isEmpty() ? name : path + "." + name, errors);
            }
        }
    }

    /** An error as the API server words it: field path first, then what is wrong with the value. */
    private static String describe(Error error) {
        String path = kubernetesPath(error.getInstanceLocation());
        if ("required".equals(error.getKeyword())) {
            return (path.isEmpty() ? "" : path + ".") + error.getProperty() + ": Required value";
        }
        return (path.isEmpty() ? "<root>" : path) + ": Invalid value: " + error.getInstanceNode() + ": " + error.getMessage();
    }

    private static String kubernetesPath(NodePath location) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                path.append('[').append(index).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(element);
            }
        }
        return path.toString();
    }
}

package io.ironlb.crds;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * Evaluates a schema's {@code x-kubernetes-validations} the way the API server does: each rule
 * at its node with {@code self} bound to the node's value; transition rules (those naming
 * {@code oldSelf}) only on update, where the old object has a value at the same place. Errors read
 * like the API server's: {@code spec.addresses[0]: Invalid value: "string": <message>}.
 *
 * <p>One difference: Kubernetes types {@code self} from the schema, so a rule naming a field the
 * schema lacks fails when the CRD is created. Here objects are {@code map(string, dyn)}, so such a
 * rule compiles and fails at evaluation instead; the tests give every rule cases, which catches it.
 */
final class CelRules {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addCompilerLibraries(CelExtensions.strings())
            .addRuntimeLibraries(CelExtensions.strings())
            .addFunctionDeclarations(KubernetesCelLibrary.declarations())
            .addFunctionBindings(KubernetesCelLibrary.bindings())
            .build();

    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();
    /** For each rule ("Kind spec.addresses[*] #0"), the outcomes seen so far: true passed, false failed. */
    private final Map<String, Set<Boolean>> outcomes = new ConcurrentHashMap<>();
    /** Expression nodes evaluated by rules so far: a floor for the API server's runtime cost. */
    private final LongAdder steps = new LongAdder();

    /** Compiles every rule and message expression under {@code schema}; throws on the first that does not. */
    void compileAll(String kind, JsonNode schema) {
        forEachRule(schema, kind, (id, rule, type) -> {
            program(rule.path("rule").asString(""), type);
            if (rule.has("messageExpression")) program(rule.path("messageExpression").asString(""), type);
            outcomes.putIfAbsent(id, ConcurrentHashMap.newKeySet());
        });
    }

    /** Evaluates a standalone expression in the rules' environment ({@code self} is null), for tests. */
    Object evaluate(String expression) throws CelEvaluationException {
        Map<String, Object> vars = new HashMap<>();
        vars.put("self", dev.cel.common.values.NullValue.NULL_VALUE);
        return program(expression, SimpleType.DYN).eval(vars);
    }

    long steps() {
        return steps.sum();
    }

    Map<String, Set<Boolean>> outcomes() {
        return Map.copyOf(outcomes);
    }

    /**
     * Evaluates the rules at {@code node} and below. {@code path} is the instance path for
     * messages ("spec.addresses[0]"); {@code rulePath} names the schema position ("Kind spec.addresses[*]").
     */
    void validate(JsonNode node, JsonNode old, JsonNode schema, String path, String rulePath, List<String> errors) {
        CelType type = celType(schema);
        int index = 0;
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            String id = rulePath + " #" + index++;
            String expression = rule.path("rule").asString("");
            boolean transition = expression.contains("oldSelf");
            if (transition && old == null) continue;
            Map<String, Object> vars = new HashMap<>();
            vars.put("self", toCel(node));
            if (transition) vars.put("oldSelf", toCel(old));
            String invalid = (path.isEmpty() ? "<root>" : path) + ": Invalid value: \"" + schema.path("type").asString("") + "\": ";
            try {
                boolean passed = Boolean.TRUE.equals(program(expression, type).trace(vars, (expr, value) -> steps.increment()));
                outcomes.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(passed);
                if (!passed) errors.add(invalid + message(rule, type, vars));
            } catch (CelEvaluationException e) {
                errors.add(invalid + "rule evaluation error: " + e.getMessage());
            }
        }
        switch (schema.path("type").asString("")) {
            case "object" -> {
                JsonNode properties = schema.path("properties");
                for (String name : node.propertyNames()) {
                    JsonNode child = properties.has(name) ? properties.get(name) : schema.get("additionalProperties");
                    if (child != null && child.isObject()) {
                        JsonNode oldChild = old == null ? null : old.get(name);
                        String key = properties.has(name) ? name : "*";
                        validate(node.get(name), oldChild, child, join(path, name), join(rulePath, key), errors);
                    }
                }
            }
            case "array" -> {
                for (int i = 0; i < node.size(); i++) {
                    validate(node.get(i), correlate(node.get(i), old, schema), schema.path("items"),
                            path + "[" + i + "]", rulePath + "[*]", errors);
                }
            }
            default -> {}
        }
    }

    /** Old list items are matched to new ones only by the keys of a map-type list, as Kubernetes does. */
    private static JsonNode correlate(JsonNode item, JsonNode oldList, JsonNode schema) {
        if (oldList == null || !"map".equals(schema.path("x-kubernetes-list-type").asString(""))) return null;
        for (JsonNode candidate : oldList) {
            boolean same = true;
            for (JsonNode key : schema.path("x-kubernetes-list-map-keys")) {
                same &= candidate.path(key.asString("")).equals(item.path(key.asString("")));
            }
            if (same) return candidate;
        }
        return null;
    }

    private String message(JsonNode rule, CelType type, Map<String, Object> vars) {
        if (rule.has("messageExpression")) {
            try {
                Object message = program(rule.path("messageExpression").asString(""), type).eval(vars);
                if (message instanceof String s && !s.isBlank()) return s;
            } catch (CelEvaluationException e) {
                // Kubernetes falls back to message when messageExpression fails.
            }
        }
        return rule.has("message") ? rule.path("message").asString("") : "failed rule: " + rule.path("rule").asString("");
    }

    private CelRuntime.Program program(String expression, CelType selfType) {
        return programs.computeIfAbsent(selfType + "|" + expression, key -> {
            try {
                CelAbstractSyntaxTree ast = CEL.toCelBuilder().addVar("self", selfType).addVar("oldSelf", selfType)
                        .build().compile(expression).getAst();
                return CEL.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalArgumentException("CEL rule does not compile: " + expression + "\n" + e.getMessage(), e);
            }
        });
    }

    private static CelType celType(JsonNode schema) {
        return switch (schema.path("type").asString("")) {
            case "string" -> SimpleType.STRING;
            case "integer" -> SimpleType.INT;
            case "number" -> SimpleType.DOUBLE;
            case "boolean" -> SimpleType.BOOL;
            case "array" -> ListType.create(SimpleType.DYN);
            case "object" -> MapType.create(SimpleType.STRING, SimpleType.DYN);
            default -> SimpleType.DYN;
        };
    }

    /** JSON as CEL sees it: int64 for integers, lists, and maps with string keys. */
    static Object toCel(JsonNode node) {
        if (node.isString()) return node.asString("");
        if (node.isBoolean()) return node.asBoolean();
        if (node.isIntegralNumber()) return node.asLong();
        if (node.isNumber()) return node.asDouble();
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(item -> list.add(toCel(item)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), toCel(e.getValue())));
            return map;
        }
        return dev.cel.common.values.NullValue.NULL_VALUE;
    }

    private static String join(String path, String name) {
        return path.isEmpty() || path.endsWith(" ") ? path + name : path + "." + name;
    }

    interface RuleVisitor {
        void visit(String id, JsonNode rule, CelType selfType);
    }

    /** Visits every rule under {@code schema} with the same ids {@link #validate} records outcomes under. */
    static void forEachRule(JsonNode schema, String rulePath, RuleVisitor visitor) {
        int index = 0;
        for (JsonNode rule : schema.path("x-kubernetes-validations")) visitor.visit(rulePath + " #" + index++, rule, celType(schema));
        for (String name : schema.path("properties").propertyNames()) {
            forEachRule(schema.path("properties").get(name), join(rulePath, name), visitor);
        }
        if (schema.path("items").isObject()) forEachRule(schema.get("items"), rulePath + "[*]", visitor);
        if (schema.path("additionalProperties").isObject()) {
            forEachRule(schema.get("additionalProperties"), join(rulePath, "*"), visitor);
        }
    }
}

package io.ironlb.crds;

import static io.ironlb.crds.CrdCase.accepted;
import static io.ironlb.crds.CrdCase.refused;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ConfigurationState as MetalLB's processes (and IronLB's ConfigurationStateReporter) write it. */
class ConfigurationStateCrdTest {
    private static final CrdValidator VALIDATOR = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);

    static String state(String status) {
        return CrdCase.object("ConfigurationState", "controller", status.isEmpty() ? "" : "status:\n  " + status.replace("\n", "\n  "));
    }

    static Stream<CrdCase> cases() {
        return Stream.of(
                accepted("an object without a status, as first created, is accepted", state("")),
                accepted("a valid state with its condition is accepted", state("result: Valid\nconditions:\n"
                        + "- {type: poolReconcilerValid, status: 'True', reason: Reconciled, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}")),
                accepted("an invalid state with a multi-line summary is accepted", state("result: Invalid\n"
                        + "errorSummary: \"configuration error: IPAddressPool a: bad\\nconfiguration error: IPAddressPool b: bad\"\nconditions:\n"
                        + "- {type: poolReconcilerValid, status: 'False', reason: ConfigurationError, message: 'configuration error: IPAddressPool a: bad',"
                        + " lastTransitionTime: '2025-01-01T00:00:00Z'}")),
                accepted("Unknown is accepted", state("result: Unknown")),
                refused("a result other than Valid, Invalid, Unknown is refused", state("result: Broken"),
                        "status.result: Invalid value: \"Broken\": "),
                refused("two conditions of one type are refused", state("conditions:\n"
                        + "- {type: configReconcilerValid, status: 'True', reason: Reconciled, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}\n"
                        + "- {type: configReconcilerValid, status: 'False', reason: ConfigurationError, message: x, lastTransitionTime: '2025-01-01T00:00:00Z'}"),
                        "status.conditions[1]: Duplicate value: {\"type\":\"configReconcilerValid\"}"),
                refused("a spec is refused: the object is status only", CrdCase.object("ConfigurationState", "controller", "spec: {}"),
                        "unknown field \"spec\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stateIsAcceptedOrRefusedWithAMessageNamingTheField(CrdCase c) {
        c.check(VALIDATOR);
    }
}

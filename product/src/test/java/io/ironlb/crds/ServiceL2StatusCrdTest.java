package io.ironlb.crds;

import static io.ironlb.crds.CrdCase.accepted;
import static io.ironlb.crds.CrdCase.l2Status;
import static io.ironlb.crds.CrdCase.refused;
import static io.ironlb.crds.CrdCase.update;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceL2StatusCrdTest {
    private static final CrdValidator VALIDATOR = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);
    private static final String WRITTEN =
            l2Status("node: spark-2\nserviceName: open-webui\nserviceNamespace: ai\ninterfaces: [{name: enP7s7}]");

    static Stream<CrdCase> cases() {
        return Stream.of(
                accepted("a status as the speaker writes it is accepted", WRITTEN),
                accepted("an object without a status yet is accepted", CrdCase.object("ServiceL2Status", "l2-web-0", "spec: {}")),
                update("rewriting the same status is accepted", WRITTEN, WRITTEN, null),
                update("adding an interface is accepted", WRITTEN,
                        l2Status("node: spark-2\nserviceName: open-webui\nserviceNamespace: ai\ninterfaces: [{name: enP7s7}, {name: eth1}]"),
                        null),
                update("setting the node for the first time is accepted", l2Status("serviceName: open-webui\nserviceNamespace: ai"),
                        WRITTEN, null),
                update("moving the status to another node is refused", WRITTEN,
                        l2Status("node: spark-1\nserviceName: open-webui\nserviceNamespace: ai"),
                        "status.node: Invalid value: \"string\": status.node cannot change"),
                update("pointing the status at another service is refused", WRITTEN,
                        l2Status("node: spark-2\nserviceName: ollama\nserviceNamespace: ai"),
                        "status.serviceName: Invalid value: \"string\": status.serviceName cannot change"),
                update("pointing the status at another namespace is refused", WRITTEN,
                        l2Status("node: spark-2\nserviceName: open-webui\nserviceNamespace: default"),
                        "status.serviceNamespace: Invalid value: \"string\": status.serviceNamespace cannot change"),
                refused("an interface name longer than Linux allows is refused",
                        l2Status("node: spark-2\ninterfaces: [{name: a-very-long-interface}]"),
                        "status.interfaces[0].name: Invalid value: \"a-very-long-interface\": "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void statusIsAcceptedOrRefusedWithAMessageNamingTheField(CrdCase c) {
        c.check(VALIDATOR);
    }
}

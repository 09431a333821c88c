package io.ironlb.crds;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.crds.CrdValidator.UnknownFields;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every CEL rule in deploy/crds has a row in some table that the rule refuses and one it lets
 * through, so a new rule without cases fails here, and a rule that can never fire shows up.
 */
class EveryCelRuleIsExercisedTest {
    @Test
    void everyRuleIsSeenBothRefusingAndPassing() {
        CrdValidator validator = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);
        Stream.of(IpAddressPoolCrdTest.cases(), L2AdvertisementCrdTest.cases(), ServiceL2StatusCrdTest.cases(),
                        ConfigurationStateCrdTest.cases())
                .flatMap(cases -> cases)
                .forEach(c -> c.check(validator));

        Map<String, Set<Boolean>> outcomes = new TreeMap<>(validator.celRuleOutcomes());

        assertThat(outcomes).as("rules found in the CRDs").hasSize(17);
        assertThat(outcomes).allSatisfy((rule, seen) -> assertThat(seen).as(rule).containsExactlyInAnyOrder(true, false));
    }

    @Test
    void theWorstCasePoolStaysFarInsideTheApiServersRuntimeCostBudget() {
        // 128 IPv6 ranges whose ends differ only in the last bit: the ordering rule walks all 128
        // prefix lengths for each. The API server allows 10,000,000 cost units per object; each
        // evaluated node costs at least 1 and at most ~10 for these short strings (cost 0.1 per
        // character traversed), so ten times the node count bounds the real cost from above.
        String range = "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'";
        String pool = CrdCase.pool("addresses: [" + String.join(", ", java.util.Collections.nCopies(128, range)) + "]");
        CrdValidator validator = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);

        var result = validator.validate(CrdValidator.parseYaml(pool).getFirst(), UnknownFields.STRICT);

        assertThat(result.errors()).isEmpty();
        assertThat(validator.celEvaluationSteps() * 10).isLessThan(10_000_000L);
    }
}

package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TablesTest {

  private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");

  private static Discovery.Resource res(String plural) {
    return Discovery.BUILT_IN.stream().filter(r -> r.plural().equals(plural)).findFirst().orElseThrow();
  }

  @Test
  void servicesPrintLikeKubectlGetSvc() {
    Object list = Json.parse("""
        {"kind":"ServiceList","items":[
          {"metadata":{"name":"openwebui","creationTimestamp":"2026-01-01T00:59:15Z"},
           "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP","nodePort":30777}]},
           "status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.200"},{"ip":"2001:db8:86::200"}]}}},
          {"metadata":{"name":"ollama","creationTimestamp":"2026-01-01T00:00:00Z"},
           "spec":{"type":"LoadBalancer","ports":[{"port":80}]}}]}""");
    Map<String, Object> t = Tables.table(list, res("services"), false, NOW);
    assertThat(Json.list(t, "columnDefinitions")).extracting(c -> Json.str(c, "name"))
        .startsWith("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age");
    List<Object> rows = Json.list(t, "rows");
    assertThat(Json.list(rows.get(0), "cells"))
        .containsExactly("openwebui", "LoadBalancer", "<none>", "198.51.100.200,2001:db8:86::200", "80:30777/TCP", "45s", "");
    assertThat(Json.list(rows.get(1), "cells")).contains("<pending>", "80/TCP", "60m");
    assertThat(Json.str(rows.get(0), "object.kind")).isEqualTo("PartialObjectMetadata");
  }

  @Test
  void agesReadLikeKubectls() {
    assertThat(Tables.age("2026-01-01T00:59:59Z", NOW)).isEqualTo("1s");
    assertThat(Tables.age("2026-01-01T00:55:30Z", NOW)).isEqualTo("4m30s");
    assertThat(Tables.age("2025-12-31T20:30:00Z", NOW)).isEqualTo("4h30m");
    assertThat(Tables.age("2025-12-20T01:00:00Z", NOW)).isEqualTo("12d");
  }

  @Test
  void customResourcesUseTheirPrinterColumns() {
    Discovery.Resource pools = Discovery.fromCrds(List.of(Json.parse(io.fabric8.kubernetes.client.utils.Serialization.asJson(
        MetalLbCrds.all().getFirst())))).getFirst();
    Object pool = Json.parse("{\"metadata\":{\"name\":\"lan-pool\",\"creationTimestamp\":\"2026-01-01T00:59:00Z\"},"
        + "\"spec\":{\"addresses\":[\"198.51.100.200-198.51.100.220\"],\"autoAssign\":true}}");
    Map<String, Object> t = Tables.table(pool, pools, false, NOW);
    assertThat(Json.list(Json.list(t, "rows").getFirst(), "cells"))
        .containsExactly("lan-pool", true, "", "[\"198.51.100.200-198.51.100.220\"]", "60s");
  }
}

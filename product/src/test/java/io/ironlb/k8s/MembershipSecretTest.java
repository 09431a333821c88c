package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.ironlb.testing.MockCluster;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The membership Secret against the mock API server: created once, then only ever read. */
class MembershipSecretTest {

  private static final String NS = MockCluster.CONFIG_NAMESPACE;
  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void close() {
    cluster.close();
  }

  private Secret stored() {
    return cluster.client().secrets().inNamespace(NS).withName(MembershipSecret.DEFAULT_NAME).get();
  }

  @Test
  void createsTheSecretWith32RandomBytesWhenMissing() {
    assertThat(MembershipSecret.read(cluster.client(), NS, MembershipSecret.DEFAULT_NAME)).isEmpty();

    byte[] key = MembershipSecret.ensure(cluster.client(), NS, MembershipSecret.DEFAULT_NAME);

    assertThat(key).hasSize(32);
    assertThat(Base64.getDecoder().decode(stored().getData().get("secretkey"))).isEqualTo(key);
    assertThat(stored().getType()).isEqualTo("Opaque");
  }

  @Test
  void reusesTheExistingSecretAndNeverOverwritesIt() {
    byte[] first = MembershipSecret.ensure(cluster.client(), NS, MembershipSecret.DEFAULT_NAME);
    String version = stored().getMetadata().getResourceVersion();

    byte[] second = MembershipSecret.ensure(cluster.newClient(), NS, MembershipSecret.DEFAULT_NAME);

    assertThat(second).isEqualTo(first);
    assertThat(stored().getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(MembershipSecret.read(cluster.client(), NS, MembershipSecret.DEFAULT_NAME)).hasValueSatisfying(k -> assertThat(k).isEqualTo(first));
  }

  @Test
  void usesAMetalLbMemberlistSecretAsItIs() {
    byte[] metallbKey = "a-128-byte-base64-string-as-openssl-rand-makes-it-for-metallb-memberlist".getBytes();
    cluster.client().secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName("memberlist").withNamespace(NS).endMetadata()
        .withData(Map.of("secretkey", Base64.getEncoder().encodeToString(metallbKey))).build()).create();

    assertThat(MembershipSecret.ensure(cluster.client(), NS, "memberlist")).isEqualTo(metallbKey);
  }

  @Test
  void aSecretWithoutTheKeyIsReportedAndLeftAlone() {
    cluster.client().secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName("memberlist").withNamespace(NS).endMetadata()
        .withData(Map.of("other", Base64.getEncoder().encodeToString(new byte[32]))).build()).create();

    assertThatThrownBy(() -> MembershipSecret.ensure(cluster.client(), NS, "memberlist"))
        .hasMessageContaining("metallb-system/memberlist").hasMessageContaining("no data key 'secretkey'");
    assertThat(stored().getData()).containsOnlyKeys("other");
  }

  @Test
  void aKeyShorterThan16BytesIsRefusedWithTheFix() {
    cluster.client().secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName("memberlist").withNamespace(NS).endMetadata()
        .withData(Map.of("secretkey", Base64.getEncoder().encodeToString(new byte[8]))).build()).create();

    assertThatThrownBy(() -> MembershipSecret.read(cluster.client(), NS, "memberlist"))
        .hasMessageContaining("8 bytes").hasMessageContaining("openssl rand");
  }
}

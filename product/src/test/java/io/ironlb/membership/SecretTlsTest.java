package io.ironlb.membership;

import io.ironlb.netns.Loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** Which certificates the membership TLS trusts: only those whose subject carries the secret's tag for their own key. */
class SecretTlsTest {

  private final byte[] secret = Loopback.newSecret();

  @Test
  void aCertificateMadeWithTheSecretIsTrustedByAnotherProcessWithTheSameSecret() throws Exception {
    SecretTls one = new SecretTls(secret);
    SecretTls other = new SecretTls(secret);
    assertThatCode(() -> other.verify(one.certificate())).doesNotThrowAnyException();
    assertThat(one.certificate().getPublicKey()).isNotEqualTo(other.certificate().getPublicKey());
  }

  @Test
  void aCertificateMadeWithAnotherSecretIsRefused() throws Exception {
    SecretTls legit = new SecretTls(secret);
    SecretTls rogue = new SecretTls(Loopback.newSecret());
    assertThatThrownBy(() -> legit.verify(rogue.certificate()))
        .isInstanceOf(CertificateException.class).hasMessageContaining("does not prove the shared secret");
  }

  @Test
  void aValidTagCopiedOntoAnotherKeyIsRefused() throws Exception {
    SecretTls legit = new SecretTls(secret);
    String copiedCn = legit.certificate().getSubjectX500Principal().getName().replaceAll(".*CN=([0-9a-f]+).*", "$1");
    var kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    X509Certificate forged = SelfSignedCertificate.create(kpg.generateKeyPair(), "ironlb-membership", copiedCn,
        Instant.now(), Instant.now().plus(1, ChronoUnit.DAYS));
    assertThat(copiedCn).hasSize(64);
    assertThatThrownBy(() -> legit.verify(forged)).isInstanceOf(CertificateException.class);
  }

  @Test
  void theHandWrittenCertificateIsWellFormedAndSelfSigned() throws Exception {
    X509Certificate cert = new SecretTls(secret).certificate();
    cert.checkValidity();
    cert.verify(cert.getPublicKey());
    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(cert.getSubjectX500Principal()).isEqualTo(cert.getIssuerX500Principal());
    assertThat(cert.getSubjectX500Principal().getName()).startsWith("CN=").contains("O=ironlb-membership");
  }

  @Test
  void datesFrom2050AreWrittenAsGeneralizedTime() throws Exception {
    var kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    Instant notAfter = Instant.parse("2061-03-04T05:06:07Z");
    X509Certificate cert = SelfSignedCertificate.create(kpg.generateKeyPair(), "o", "cn", Instant.parse("2049-12-31T23:59:59Z"), notAfter);
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(notAfter);
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(Instant.parse("2049-12-31T23:59:59Z"));
  }
}

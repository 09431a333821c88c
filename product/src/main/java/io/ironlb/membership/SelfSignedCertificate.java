package io.ironlb.membership;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A minimal self-signed X.509 v3 certificate for an EC P-256 key, written in DER by hand: the JDK
 * can parse certificates but has no public API to make one, and this saves a dependency for ~100
 * lines. Subject and issuer are {@code O=<organization>, CN=<commonName>}, signed with
 * SHA256withECDSA, no extensions.
 */
final class SelfSignedCertificate {

  private static final byte[] OID_ECDSA_SHA256 = {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02};
  private static final byte[] OID_COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
  private static final byte[] OID_ORGANIZATION = {0x06, 0x03, 0x55, 0x04, 0x0A};
  private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private SelfSignedCertificate() {}

  static X509Certificate create(KeyPair keys, String organization, String commonName, Instant notBefore, Instant notAfter)
      throws GeneralSecurityException {
    byte[] algorithm = sequence(OID_ECDSA_SHA256);
    byte[] name = sequence(
        set(sequence(OID_ORGANIZATION, utf8(organization))),
        set(sequence(OID_COMMON_NAME, utf8(commonName))));
    byte[] serial = new byte[16];
    new SecureRandom().nextBytes(serial);
    byte[] tbs = sequence(
        tagged(0xA0, integer(BigInteger.TWO)), // version v3
        integer(new BigInteger(1, serial)),
        algorithm,
        name,
        sequence(time(notBefore), time(notAfter)),
        name,
        keys.getPublic().getEncoded()); // already a DER SubjectPublicKeyInfo
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate());
    signer.update(tbs);
    byte[] signature = signer.sign();
    byte[] bits = new byte[signature.length + 1]; // leading byte: no unused bits
    System.arraycopy(signature, 0, bits, 1, signature.length);
    byte[] der = sequence(tbs, algorithm, tlv(0x03, bits));
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static byte[] time(Instant t) {
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    return t.atZone(ZoneOffset.UTC).getYear() < 2050
        ? tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
        : tlv(0x18, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] utf8(String s) {
    return tlv(0x0C, s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sequence(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  private static byte[] set(byte[]... parts) {
    return tlv(0x31, concat(parts));
  }

  private static byte[] tagged(int tag, byte[] content) {
    return tlv(tag, content);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 4);
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else {
      out.write(0x82);
      out.write(n >>> 8);
      out.write(n & 0xFF);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}

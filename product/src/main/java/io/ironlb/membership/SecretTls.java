package io.ironlb.membership;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS for the membership transport, keyed by the shared secret alone (no CA, no files).
 *
 * <p>Why TLS and not SYM_ENCRYPT: JGroups 5.5.7's SYM_ENCRYPT works only in CBC or CTR mode (its
 * AES/GCM never delivers payloads), so it checks no integrity, lets join requests through on a
 * fingerprint sent in clear, and does nothing against replay; making it hold needs SERIALIZE plus a
 * home-made HMAC AUTH token with nonces, and still leaves CBC malleability. TLS 1.3 on the TCP
 * transport gives every byte between members confidentiality, integrity and replay protection
 * (AEAD records, fresh handshake keys), and with client authentication NEED nobody gets a
 * connection at all without a certificate we trust. The remaining question is which certificates
 * to trust without a CA:
 *
 * <ul>
 *   <li>Each process makes a fresh EC P-256 key pair and a self-signed certificate whose subject CN
 *       is {@code HMAC-SHA256(K, SubjectPublicKeyInfo)} in hex, with {@code K = HMAC-SHA256(secret,
 *       "ironlb membership tls v1")}.
 *   <li>A peer certificate is trusted if and only if its CN is that tag for its own public key.
 *       Making a tag needs the secret; using a copied certificate needs its private key, which the
 *       TLS handshake (CertificateVerify) proves. Replayed handshake bytes fail, because the other
 *       side's random differs every time.
 * </ul>
 *
 * <p>FD_SOCK2's own socket stays plain (JGroups runs it on NIO, which has no TLS). It carries only
 * "are you there" connects; all it can do is suspect, and suspicion is verified (VERIFY_SUSPECT2)
 * over the TLS transport before anyone is removed.
 */
final class SecretTls {

  private static final Logger log = LoggerFactory.getLogger(SecretTls.class);
  private static final String ALIAS = "ironlb-membership";
  private static final String ORGANIZATION = "ironlb-membership";
  private static final byte[] CONTEXT = "ironlb membership tls v1".getBytes(StandardCharsets.US_ASCII);

  private final SecretKeySpec tagKey;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final AtomicLong refused = new AtomicLong();

  SecretTls(byte[] sharedSecret) throws GeneralSecurityException {
    this.tagKey = new SecretKeySpec(hmac(new SecretKeySpec(sharedSecret, "HmacSHA256"), CONTEXT), "HmacSHA256");
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(new ECGenParameterSpec("secp256r1"));
    this.keys = kpg.generateKeyPair();
    Instant now = Instant.now();
    // Long validity on purpose: the certificate lives as long as the process, and trust comes from
    // the tag, not from dates (a node with a wrong clock must still join).
    this.certificate = SelfSignedCertificate.create(keys, ORGANIZATION, tagOf(keys.getPublic().getEncoded()),
        now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)));
  }

  /** A TLS 1.3 context presenting this process's certificate and trusting only tagged peers. */
  SSLContext context() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(new javax.net.ssl.KeyManager[] {new KeyManager()}, new javax.net.ssl.TrustManager[] {new TrustManager()}, null);
    return ctx;
  }

  /** Handshakes refused because the peer's certificate did not prove the secret (for tests and metrics). */
  long refusedPeers() {
    return refused.get();
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** Throws unless {@code cert}'s CN is the tag of its own public key under this secret. */
  void verify(X509Certificate cert) throws CertificateException {
    String expected = tagOf(cert.getPublicKey().getEncoded());
    String actual = commonName(cert.getSubjectX500Principal());
    if (actual == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), actual.getBytes(StandardCharsets.US_ASCII))) {
      throw new CertificateException("membership peer certificate does not prove the shared secret (wrong or missing Secret key)");
    }
  }

  private String tagOf(byte[] spki) {
    try {
      return HexFormat.of().formatHex(hmac(tagKey, spki));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] hmac(SecretKeySpec key, byte[] data) throws NoSuchAlgorithmException, InvalidKeyException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(key);
    return mac.doFinal(data);
  }

  private static String commonName(X500Principal p) {
    try {
      for (Rdn rdn : new LdapName(p.getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }

  private void check(X509Certificate[] chain, String peer) throws CertificateException {
    try {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("membership peer sent no certificate");
      }
      verify(chain[0]);
    } catch (CertificateException e) {
      long n = refused.incrementAndGet();
      // One line per refusal would let a scanner flood the log: the first, then every 100th.
      if (n == 1 || n % 100 == 0) {
        log.warn("refused a membership connection from {}: {} ({} refused so far)", peer, e.getMessage(), n,
            kv("event", "membershipPeerRefused"));
      }
      throw e;
    }
  }

  private static String peer(Socket s) {
    return s == null || s.getRemoteSocketAddress() == null ? "unknown peer" : s.getRemoteSocketAddress().toString();
  }

  private final class TrustManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      check(chain, peer(socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      check(chain, peer(socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      check(chain, engine == null ? "unknown peer" : engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      check(chain, engine == null ? "unknown peer" : engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      check(chain, "unknown peer");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      check(chain, "unknown peer");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Always offers this process's one certificate (an EC key, so only EC key types match). */
  private final class KeyManager extends X509ExtendedKeyManager {
    private String alias(String keyType) {
      return keyType != null && keyType.startsWith("EC") ? ALIAS : null;
    }

    private String alias(String[] keyTypes) {
      if (keyTypes != null) {
        for (String t : keyTypes) {
          if (alias(t) != null) {
            return ALIAS;
          }
        }
      }
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return alias(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return alias(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {certificate} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? keys.getPrivate() : null;
    }
  }
}

package io.ironlb.k8s;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speakers' shared membership key, kept in a Kubernetes Secret. By default the same Secret
 * MetalLB uses for memberlist ({@code memberlist}, data key {@code secretkey}, in the config
 * namespace), so a MetalLB install carries over; any value of at least 16 bytes works.
 *
 * <p>The controller calls {@link #ensure}: it creates the Secret with 32 random bytes when missing
 * and otherwise uses what is there, never overwriting it (rotating the key is a deliberate act:
 * delete the Secret, then restart the speakers). Speakers call {@link #read}.
 */
public final class MembershipSecret {

  public static final String DEFAULT_NAME = "memberlist";
  public static final String KEY = "secretkey";
  public static final int CREATED_BYTES = 32;
  public static final int MIN_BYTES = 16;

  private static final Logger log = LoggerFactory.getLogger(MembershipSecret.class);

  private MembershipSecret() {}

  /**
   * The key from Secret {@code namespace/name}, created with {@value #CREATED_BYTES} random bytes
   * if the Secret does not exist. When another controller creates it first, its key is used.
   *
   * @throws IllegalStateException when the Secret exists but holds no usable key (the message says how to fix it)
   */
  public static byte[] ensure(KubernetesClient client, String namespace, String name) {
    Optional<byte[]> existing = read(client, namespace, name);
    if (existing.isPresent()) {
      return existing.get();
    }
    byte[] key = new byte[CREATED_BYTES];
    new SecureRandom().nextBytes(key);
    Secret secret = new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace)
        .withLabels(Map.of("app.kubernetes.io/name", "ironlb", "app.kubernetes.io/component", "membership"))
        .endMetadata()
        .withType("Opaque")
        .withData(Map.of(KEY, Base64.getEncoder().encodeToString(key)))
        .build();
    try {
      client.secrets().inNamespace(namespace).resource(secret).create();
      log.info("created membership Secret {}/{} with {} random bytes", namespace, name, CREATED_BYTES,
          kv("event", "membershipSecretCreated"));
      return key;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Lost a creation race: the winner's key is the key.
      return read(client, namespace, name).orElseThrow(() -> new IllegalStateException(
          "membership Secret " + namespace + "/" + name + " was reported as existing but cannot be read", e));
    }
  }

  /**
   * The key from Secret {@code namespace/name}, or empty when the Secret does not exist (yet).
   *
   * @throws IllegalStateException when the Secret exists but holds no usable key
   */
  public static Optional<byte[]> read(KubernetesClient client, String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      return Optional.empty();
    }
    String where = "membership Secret " + namespace + "/" + name;
    String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
    if (encoded == null && secret.getStringData() != null && secret.getStringData().get(KEY) != null) {
      return Optional.of(checked(secret.getStringData().get(KEY).getBytes(java.nio.charset.StandardCharsets.UTF_8), where));
    }
    if (encoded == null) {
      throw new IllegalStateException(where + " has no data key '" + KEY + "'; add one with at least " + MIN_BYTES
          + " random bytes, or delete the Secret so the controller creates it");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(where + " key '" + KEY + "' is not valid base64: " + e.getMessage(), e);
    }
    return Optional.of(checked(key, where));
  }

  private static byte[] checked(byte[] key, String where) {
    if (key.length < MIN_BYTES) {
      throw new IllegalStateException(where + " key '" + KEY + "' has " + key.length + " bytes; at least " + MIN_BYTES
          + " are needed (e.g. kubectl create secret generic ... --from-literal=" + KEY + "=$(openssl rand -base64 32)),"
          + " or delete the Secret so the controller creates it");
    }
    return key;
  }
}

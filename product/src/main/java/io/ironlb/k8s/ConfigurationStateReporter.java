package io.ironlb.k8s;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link ConfigurationState} object saying whether this process's configuration loaded,
 * as MetalLB's processes do: {@code controller} for the controller, {@code speaker-<node>} for a
 * speaker. Call {@link #report} after every configuration pass with the errors found (empty: all
 * loaded); it returns at once and never throws.
 *
 * <p>The object is written on a thread of its own, only when what it should say changed, with no
 * read before the write: created once (an existing one is fine), then its status replaced by one
 * JSON Patch. A write the API server does not take (away, or refusing) is tried again later, the
 * wait doubling from {@code retry} up to a minute, with the latest report, until one succeeds;
 * the problem is logged once.
 */
public final class ConfigurationStateReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigurationStateReporter.class);
  private static final Duration LONGEST_RETRY = Duration.ofMinutes(1);
  /** MetalLB's condition reasons. */
  static final String RECONCILED = "Reconciled";
  static final String CONFIGURATION_ERROR = "ConfigurationError";

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final Map<String, String> labels;
  private final OwnerReference owner;
  private final String conditionType;
  private final Clock clock;
  private final Duration retry;
  private final ScheduledExecutorService writer;

  // Guarded by this.
  private List<String> desired;
  private List<String> written;
  private boolean writeQueued;
  private boolean created;
  private Duration nextRetry;
  private String lastProblem;

  /**
   * @param owner the object whose deletion should delete this one (a speaker's Node), or null
   * @param conditionType MetalLB's condition type: {@code poolReconcilerValid} (controller) or
   *     {@code configReconcilerValid} (speaker)
   */
  public ConfigurationStateReporter(KubernetesClient client, String namespace, String name, Map<String, String> labels,
      OwnerReference owner, String conditionType, Clock clock, Duration retry) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.labels = Map.copyOf(labels);
    this.owner = owner;
    this.conditionType = conditionType;
    this.clock = clock;
    this.retry = retry;
    this.nextRetry = retry;
    this.writer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("configuration-state").daemon().factory());
  }

  /** The controller's object, {@code controller}, with MetalLB's label and condition type. */
  public static ConfigurationStateReporter forController(KubernetesClient client, String namespace) {
    return new ConfigurationStateReporter(client, namespace, ConfigurationState.CONTROLLER_NAME,
        Map.of(ConfigurationState.COMPONENT_LABEL, "controller"), null, "poolReconcilerValid", Clock.systemUTC(),
        Duration.ofSeconds(5));
  }

  /** A speaker's object, {@code speaker-<node>}, owned by its Node so that it goes when the node goes. */
  public static ConfigurationStateReporter forSpeaker(KubernetesClient client, String namespace, String node,
      OwnerReference nodeOwner) {
    return new ConfigurationStateReporter(client, namespace, ConfigurationState.speakerName(node),
        Map.of(ConfigurationState.COMPONENT_LABEL, "speaker", ConfigurationState.NODE_LABEL, node), nodeOwner,
        "configReconcilerValid", Clock.systemUTC(), Duration.ofSeconds(5));
  }

  /** What the object says for these errors: Valid and no summary when there are none, else Invalid and one error per line. */
  public static ConfigurationState.Status statusFor(List<String> errors, String conditionType, String now) {
    boolean valid = errors.isEmpty();
    String summary = valid ? null : "configuration error: " + String.join("\nconfiguration error: ", errors);
    Condition condition = new ConditionBuilder()
        .withType(conditionType)
        .withStatus(valid ? "True" : "False")
        .withReason(valid ? RECONCILED : CONFIGURATION_ERROR)
        .withMessage(valid ? "" : summary)
        .withLastTransitionTime(now)
        .build();
    return new ConfigurationState.Status(valid ? ConfigurationState.VALID : ConfigurationState.INVALID, summary,
        List.of(condition));
  }

  /** The configuration pass found these errors (none: everything loaded). Returns at once; never throws. */
  public void report(List<String> errors) {
    try {
      List<String> copy = List.copyOf(errors);
      synchronized (this) {
        desired = copy;
        if (copy.equals(written) || writeQueued) {
          return;
        }
        writeQueued = true;
      }
      writer.execute(this::writeLatest);
    } catch (RuntimeException e) {
      // A report is information: failing to queue it (closed, out of threads) must never stop the caller's pass.
      log.warn("could not queue the configuration state report: {}", e.toString());
    }
  }

  private void writeLatest() {
    List<String> errors;
    boolean create;
    synchronized (this) {
      writeQueued = false;
      errors = desired;
      create = !created;
      if (errors == null || errors.equals(written)) {
        return;
      }
    }
    try {
      if (create) {
        ensureExists();
      }
      patchStatus(errors);
      synchronized (this) {
        created = true;
        written = errors;
        nextRetry = retry;
        if (lastProblem != null) {
          log.info("configuration state {} written again", name, kv("event", "configurationStateWritten"));
          lastProblem = null;
        }
        if (!Objects.equals(desired, written) && !writeQueued) {
          writeQueued = true;
          writer.execute(this::writeLatest);
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        synchronized (this) {
          created = false; // deleted since: create it again on the next try
        }
      }
      later("HTTP " + e.getCode() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      later(e.toString());
    }
  }

  private void ensureExists() {
    ConfigurationState object = new ConfigurationState();
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels);
    if (owner != null) {
      meta.withOwnerReferences(owner);
    }
    object.setMetadata(meta.build());
    try {
      client.resources(ConfigurationState.class).inNamespace(namespace).resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // 409: there from an earlier run, which is fine
        throw e;
      }
    }
  }

  private void patchStatus(List<String> errors) {
    ConfigurationState.Status status = statusFor(errors, conditionType, clock.instant().toString());
    String patch = client.getKubernetesSerialization().asJson(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    ConfigurationState ref = new ConfigurationState();
    ref.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    client.resources(ConfigurationState.class).inNamespace(namespace).resource(ref).status()
        .patch(PatchContext.of(PatchType.JSON), patch);
  }

  private void later(String problem) {
    Duration wait;
    synchronized (this) {
      wait = nextRetry;
      Duration doubled = nextRetry.multipliedBy(2);
      nextRetry = doubled.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : doubled;
      if (!problem.equals(lastProblem)) {
        log.warn("could not write configuration state {}, trying again: {}", name, problem, kv("event", "configurationStateFailed"));
        lastProblem = problem;
      }
      if (writeQueued) {
        return;
      }
      writeQueued = true;
    }
    try {
      writer.schedule(this::writeLatest, wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      log.warn("could not schedule the configuration state retry: {}", e.toString());
    }
  }

  /** Whether everything reported so far is written; for tests. */
  synchronized boolean settled() {
    return desired != null && desired.equals(written) && !writeQueued;
  }

  @Override
  public void close() {
    writer.shutdownNow();
  }
}

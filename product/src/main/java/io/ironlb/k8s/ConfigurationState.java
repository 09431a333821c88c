package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * MetalLB's {@code ConfigurationState} (v0.15.3 and later): whether one process's configuration
 * loaded. Written by {@link ConfigurationStateReporter}, read by {@code ironlb status} and {@code check}.
 */
@Group(MetalLb.GROUP)
@Version(MetalLb.VERSION)
@Kind("ConfigurationState")
@Plural("configurationstates")
public class ConfigurationState extends CustomResource<Void, ConfigurationState.Status> implements Namespaced {

  /** The object of the controller. */
  public static final String CONTROLLER_NAME = "controller";
  /** The label naming the kind of process: {@code controller} or {@code speaker}. */
  public static final String COMPONENT_LABEL = "metallb.io/component-type";
  /** On a speaker's object: its node. */
  public static final String NODE_LABEL = "metallb.io/node-name";

  public static final String VALID = "Valid";
  public static final String INVALID = "Invalid";
  public static final String UNKNOWN = "Unknown";

  /** The object of the speaker on {@code node}. */
  public static String speakerName(String node) {
    return "speaker-" + node;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Status(String result, String errorSummary, List<Condition> conditions) {}
}

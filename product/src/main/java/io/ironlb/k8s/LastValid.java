package io.ironlb.k8s;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * "Keep the last valid configuration", per object name: an object whose latest version cannot be
 * used keeps its last valid version in force (or stays out if it never had one), and its problem
 * is news only once, so the caller logs and emits its event once per distinct problem instead of
 * on every pass. Not thread-safe: one thread owns it (the controller's worker, the speaker's).
 *
 * <pre>{@code
 * LastValid<Pool> pools = new LastValid<>();
 * for (IPAddressPool cr : store.list()) {
 *   switch (parse(cr)) {
 *     case Ok ok -> pools.valid(name, ok.pool());
 *     case Bad bad -> {
 *       LastValid.Rejection r = pools.invalid(name, bad.message());
 *       if (r.isNew()) events.record(cr, Warning, "InvalidConfiguration", r.message());
 *     }
 *   }
 * }
 * pools.retainOnly(namesInStore);
 * use(pools.inForce());
 * }</pre>
 *
 * @param <T> the parsed, valid form of the object
 */
public final class LastValid<T> {

  /**
   * The latest version of an object was refused.
   *
   * @param problem what is wrong with it, as the caller said
   * @param lastValidKept whether an earlier valid version stays in force (else the object is left out)
   * @param isNew whether this problem differs from the one last reported for the object: report it only then
   */
  public record Rejection(String problem, boolean lastValidKept, boolean isNew) {
    public Rejection {
      Objects.requireNonNull(problem, "problem");
    }

    /** The problem and its consequence, for an event, a log line or a status condition. */
    public String message() {
      return problem + (lastValidKept ? " (the last valid configuration stays in force)" : "; it is left out until corrected");
    }
  }

  private final Map<String, T> inForce = new LinkedHashMap<>();
  private final Map<String, String> problems = new LinkedHashMap<>();

  /**
   * The latest version of {@code name} is valid: it is in force from now on, and its problem, if
   * any, is cleared. Returns true when a problem was cleared (worth saying so).
   */
  public boolean valid(String name, T value) {
    inForce.put(name, Objects.requireNonNull(value, "value"));
    return problems.remove(name) != null;
  }

  /** The latest version of {@code name} is refused for {@code problem}; what was in force stays. */
  public Rejection invalid(String name, String problem) {
    String before = problems.put(name, problem);
    return new Rejection(problem, inForce.containsKey(name), !problem.equals(before));
  }

  /** The version of {@code name} in force: its latest valid one. */
  public Optional<T> inForce(String name) {
    return Optional.ofNullable(inForce.get(name));
  }

  /** Every object's version in force, by name, in the order they were first seen valid. */
  public Map<String, T> inForce() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(inForce));
  }

  /** The current problem of {@code name}, if its latest version was refused. */
  public Optional<String> problem(String name) {
    return Optional.ofNullable(problems.get(name));
  }

  /** Every current problem, by name. */
  public Map<String, String> problems() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(problems));
  }

  /** The current problems as {@link Rejection#message()}s, for a configuration state report. */
  public List<String> problemMessages() {
    return problems.entrySet().stream()
        .map(e -> new Rejection(e.getValue(), inForce.containsKey(e.getKey()), false).message())
        .toList();
  }

  /** Forgets every object not named in {@code present} (deleted ones): a re-created object starts afresh. */
  public void retainOnly(Collection<String> present) {
    Set<String> keep = present instanceof Set<String> set ? set : new HashSet<>(present);
    inForce.keySet().retainAll(keep);
    problems.keySet().retainAll(keep);
  }
}

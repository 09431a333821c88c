package io.ironlb.speaker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * A speaker's JSON log as the end-to-end tests read it: its events in order, and what the current
 * process (the lines after its last membership start) says it announces. A restarted speaker
 * appends to the same file, so "current" matters.
 */
record SpeakerLog(String node, List<Map<String, Object>> lines) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @SuppressWarnings("unchecked")
  static SpeakerLog read(String node, Path file) {
    List<Map<String, Object>> lines = new ArrayList<>();
    try {
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.startsWith("{")) {
            try {
              lines.add(JSON.readValue(line, Map.class));
            } catch (RuntimeException e) {
              // a line still being written
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SpeakerLog(node, lines);
  }

  /** Lines of the process that runs now: after the last membership start (or fallback at start). */
  List<Map<String, Object>> current() {
    int from = 0;
    for (int i = 0; i < lines.size(); i++) {
      Object e = lines.get(i).get("event");
      if ("membershipStarted".equals(e) || ("membershipFallback".equals(e) && "SpeakerCommand".equals(simpleLogger(lines.get(i))))) {
        from = i;
      }
    }
    return lines.subList(from, lines.size());
  }

  List<Map<String, Object>> events(String event) {
    return lines.stream().filter(l -> event.equals(l.get("event"))).toList();
  }

  /** Whether the current process's last word on {@code service} ("default/NAME") is that it announces it. */
  boolean announces(String service) {
    Boolean on = null;
    for (Map<String, Object> l : current()) {
      if (service.equals(l.get("service"))) {
        if ("serviceAnnounced".equals(l.get("event"))) {
          on = true;
        } else if ("serviceWithdrawn".equals(l.get("event"))) {
          on = false;
        }
      }
    }
    return Boolean.TRUE.equals(on);
  }

  /** Every serviceAnnounced line of this node (all processes) for {@code service}. */
  List<Map<String, Object>> announcements(String service) {
    return events("serviceAnnounced").stream().filter(l -> service.equals(l.get("service"))).toList();
  }

  /** The members of the last view the current speaker acted on, e.g. "[spark-2959, spark-ba63]". */
  Optional<String> lastView() {
    String view = null;
    for (Map<String, Object> l : current()) {
      if ("membershipView".equals(l.get("event")) && l.get("members") != null) {
        view = String.valueOf(l.get("members"));
      }
    }
    return Optional.ofNullable(view);
  }

  static Instant ts(Map<String, Object> line) {
    return Instant.parse(String.valueOf(line.get("ts")));
  }

  private static String simpleLogger(Map<String, Object> line) {
    String l = String.valueOf(line.get("logger_name"));
    return l.substring(l.lastIndexOf('.') + 1);
  }
}

package io.ironlb.runtime;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus' text format (0.0.4) as MetalLB's processes serve it, so that dashboards and alerts
 * written for MetalLB find the same series: MetalLB's Go client names a counter exactly as
 * registered, and its layer 2 counters have no {@code _total}, while Prometheus' Java client
 * always appends {@code _total} to a counter. The counters named here are shown without it
 * ({@code # TYPE metallb_layer2_requests_received counter}); every other line is the Java client's.
 */
public final class MetalLbExposition {
  public static final String LAYER2_REQUESTS_RECEIVED = "metallb_layer2_requests_received";
  public static final String LAYER2_RESPONSES_SENT = "metallb_layer2_responses_sent";
  public static final String LAYER2_GRATUITOUS_SENT = "metallb_layer2_gratuitous_sent";

  /** MetalLB's counters whose names do not end in {@code _total}. */
  public static final Set<String> COUNTERS_WITHOUT_TOTAL = Set.of(LAYER2_REQUESTS_RECEIVED, LAYER2_RESPONSES_SENT, LAYER2_GRATUITOUS_SENT);

  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final Pattern SUFFIXED = Pattern.compile("(?m)^(# (?:HELP|TYPE) )?(" + String.join("|", COUNTERS_WITHOUT_TOTAL)
      + ")_total(?=[ {])");

  private MetalLbExposition() {}

  /** The snapshots in the text format, MetalLB's counters without {@code _total}. */
  public static String write(MetricSnapshots snapshots) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, snapshots);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    Matcher m = SUFFIXED.matcher(out.toString(StandardCharsets.UTF_8));
    return m.replaceAll(r -> Matcher.quoteReplacement((r.group(1) == null ? "" : r.group(1)) + r.group(2)));
  }
}

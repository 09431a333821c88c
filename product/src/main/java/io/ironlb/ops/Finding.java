package io.ironlb.ops;

/**
 * One result of {@code ironlb check}.
 *
 * @param subject what it is about ("node spark-ba63", "IPAddressPool lan-pool")
 * @param fix what to do, as commands where there are any; empty when nothing is to be done
 */
public record Finding(Check check, Level level, String subject, String message, String fix) {

  public enum Level {
    /** The check passed; the message says what was looked at. */
    OK,
    /** Worth knowing, nothing is wrong (or it could not be checked). */
    NOTE,
    /** A setup known to fail often, though it works in some networks: {@code check} still exits 0. */
    WARNING,
    /** Something is wrong: {@code check} exits non-zero. */
    PROBLEM
  }

  /** What {@code ironlb check} looks at, in the order it prints. */
  public enum Check {
    KUBE_PROXY("kube-proxy"),
    CRDS("CRDs"),
    METALLB_LEFTOVERS("MetalLB"),
    SPEAKERS("speakers"),
    CONFIGURATION("configuration"),
    POOLS_VALID("pools"),
    POOLS_NODE_IPS("pools vs nodes"),
    POOLS_OVERLAP("pool overlaps"),
    POOLS_ADVERTISED("advertised pools"),
    ADVERTISEMENT_POOLS("advertisement pools"),
    ADVERTISEMENT_INTERFACES("interfaces"),
    NODE_INTERFACES("node interfaces"),
    ADDRESS_CONFLICTS("conflicts");

    private final String title;

    Check(String title) {
      this.title = title;
    }

    public String title() {
      return title;
    }
  }

  static Finding ok(Check check, String message) {
    return new Finding(check, Level.OK, "", message, "");
  }

  static Finding note(Check check, String subject, String message) {
    return new Finding(check, Level.NOTE, subject, message, "");
  }

  static Finding warning(Check check, String subject, String message, String fix) {
    return new Finding(check, Level.WARNING, subject, message, fix);
  }

  static Finding problem(Check check, String subject, String message, String fix) {
    return new Finding(check, Level.PROBLEM, subject, message, fix);
  }
}

package io.ironlb.announce;

import io.ironlb.l2.packet.MacAddress;

/** How a probe of an address ended. */
public sealed interface ProbeOutcome {
  /** Nobody answered: the address is free. */
  record Free() implements ProbeOutcome {}

  /** No interface could probe (none up with a subnet that holds the address). */
  record NotProbed() implements ProbeOutcome {}

  /** The probe could not run (a send failed); the address counts as free. */
  record Failed(String reason) implements ProbeOutcome {}

  /** {@code mac} answered for the address on {@code interfaceName}. */
  record Taken(MacAddress mac, String interfaceName) implements ProbeOutcome {}
}

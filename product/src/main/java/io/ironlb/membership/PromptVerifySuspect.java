package io.ironlb.membership;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.VERIFY_SUSPECT2;

/**
 * VERIFY_SUSPECT2 that removes an unanswering suspect when its window ends, not at the next tick.
 *
 * <p>VERIFY_SUSPECT2 checks its suspects on a fixed-rate timer whose period is the window itself,
 * so a suspect whose window of T ms has ended waits for the next tick: it is removed after T to 2T
 * ms, 1.5T on average. With T = 100 ms that was half of what a {@code kill -9} cost (kill to new
 * view 196 ms p50 in bench/membership). A one-shot check when each window ends keeps every
 * suspect's full window, so a live member that was wrongly suspected has exactly as long as before
 * to answer, and takes the rest away.
 *
 * <p>Why not skip verification for FD_SOCK2's suspicions, whose closed socket usually means a dead
 * process: measured, that gave 27 ms from kill to view, but a member restarting on its old address
 * races its peers' connections, and the connection JGroups drops to break the tie looks like a
 * crash; 3 of 60 such restarts removed the live member (0 of 60 with verification).
 *
 * <p>A suspect whose heartbeats come back while it is verified ({@link UdpHeartbeat} passes an
 * UNSUSPECT up) has answered too: over UDP rather than with I_AM_NOT_DEAD over TCP, which a lossy
 * link can hold back past the window.
 *
 * <p>It keeps VERIFY_SUSPECT2's protocol ID, so its ARE_YOU_DEAD / I_AM_NOT_DEAD headers are the
 * same on the wire as those of a speaker running the plain protocol (a rolling update mixes both).
 */
final class PromptVerifySuspect extends VERIFY_SUSPECT2 {

  PromptVerifySuspect() {
    setId(ClassConfigurator.getProtocolId(VERIFY_SUSPECT2.class));
  }

  @Override
  public Object up(Event evt) {
    if (evt.getType() == Event.UNSUSPECT && removeSuspect(evt.getArg())) {
      log.trace("%s: %s was heard from while verified; it stays", local_addr, evt.getArg());
    }
    return super.up(evt);
  }

  /**
   * Without VERIFY_SUSPECT2's fixed-rate check: {@link #addSuspects} schedules a check at the end of
   * every window, so the timer had nothing to do between suspicions, yet it woke the JGroups timer
   * and a pool thread every window (50 ms), ~40 of an idle speaker's ~185 wake-ups a second.
   */
  @Override
  public synchronized void start() {
    running = true;
  }

  @Override
  protected synchronized void addSuspects(Collection<Address> list) {
    super.addSuspects(list);
    if (list != null && !list.isEmpty()) {
      // +1 ms: run() removes entries whose deadline (in whole milliseconds) has passed
      timer.schedule(this, timeout + 1, TimeUnit.MILLISECONDS);
    }
  }
}

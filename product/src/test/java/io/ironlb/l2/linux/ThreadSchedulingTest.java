package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The heartbeat thread's and the collector's scheduling class, as the kernel reports it for that one thread. */
class ThreadSchedulingTest {

  @Test
  void theHeartbeatThreadRunsInTheRealTimeClassAndOtherThreadsDoNot() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs CAP_SYS_NICE (root)");
    AtomicReference<String> policy = new AtomicReference<>();
    AtomicReference<Boolean> made = new AtomicReference<>();
    Thread t = Thread.ofPlatform().name("heartbeat-like").start(() -> {
      made.set(LinuxLayer2.makeCurrentThreadRealTime("heartbeat-like", "test"));
      policy.set(policyOfThisThread());
    });
    t.join();
    assertThat(made.get()).isTrue();
    assertThat(policy.get()).as("/proc/thread-self/stat policy: 1 is SCHED_FIFO").isEqualTo("1");
    assertThat(policyOfThisThread()).as("the calling thread keeps the ordinary class").isEqualTo("0");
  }

  @Test
  void theCollectorRunsInTheRealTimeClass() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs CAP_SYS_NICE (root)");
    assertThat(LinuxLayer2.makeCollectorRealTime("test")).isTrue();
    String collector = null;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        if (Files.readString(task.resolve("comm")).strip().equals(LinuxLayer2.COLLECTOR_THREAD)) {
          collector = policyOf(task.resolve("stat"));
        }
      }
    }
    assertThat(collector).as("policy of the JVM's VM Thread: 1 is SCHED_FIFO").isEqualTo("1");
    assertThat(policyOfThisThread()).as("the calling thread keeps the ordinary class").isEqualTo("0");
  }

  /** Field 41 of /proc/thread-self/stat (the fields after the command name, which may hold spaces, start at 3). */
  private static String policyOfThisThread() {
    return policyOf(Path.of("/proc/thread-self/stat"));
  }

  private static String policyOf(Path statFile) {
    try {
      String stat = Files.readString(statFile);
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return after[41 - 3];
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

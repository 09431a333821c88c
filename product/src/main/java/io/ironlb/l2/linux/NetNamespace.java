package io.ironlb.l2.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs code inside a named network namespace ({@code /var/run/netns/NAME}) on a fresh platform
 * thread that {@code setns()}es into it. Sockets opened there stay bound to that namespace when
 * used from any other thread later, so one JVM can serve several namespaces (the tests' nodes).
 * A virtual thread would not do: it changes carrier threads, and the namespace belongs to one.
 */
public final class NetNamespace {

  private NetNamespace() {}

  public static <T> T call(String name, Callable<T> body) throws IOException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("not a namespace name: " + name);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().name("netns-" + name).daemon().start(() -> {
      try {
        enter(name);
        result.complete(body.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while in namespace " + name, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("in namespace " + name + ": " + e.getCause(), e.getCause());
    } finally {
      t.interrupt();
    }
  }

  /** Moves the calling thread into namespace {@code name}. Only for a thread made for it. */
  static void enter(String name) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      String path = "/var/run/netns/" + name;
      int fd = Libc.open(a.allocateFrom(path), Libc.O_RDONLY | Libc.O_CLOEXEC);
      if (fd < 0) {
        throw Libc.failure("open", path, Libc.errno());
      }
      try {
        if (Libc.setns(fd, Libc.CLONE_NEWNET) < 0) {
          throw Libc.failure("setns", "into " + name, Libc.errno());
        }
      } finally {
        Libc.close(fd);
      }
    }
  }
}

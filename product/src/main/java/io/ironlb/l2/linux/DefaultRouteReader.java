package io.ironlb.l2.linux;

import io.ironlb.l2.DefaultRoutes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the default routes of one network namespace from the kernel's route tables
 * ({@link ProcNetRoute}). The files are opened once, by the thread that opens the reader, through
 * {@code /proc/thread-self}: an open {@code /proc} net file stays bound to the namespace it was
 * opened in, whichever thread reads it later, while {@code /proc/net} means the namespace of the
 * process's main thread (a test JVM serves several node namespaces at once).
 */
final class DefaultRouteReader implements AutoCloseable {
  static final Path IPV4 = Path.of("/proc/thread-self/net/route");
  static final Path IPV6 = Path.of("/proc/thread-self/net/ipv6_route");

  /** One table; {@code channel} is null when the kernel has no such file (IPv6 disabled). */
  private record Table(FileChannel channel, Function<String, List<String>> parser) {
    List<String> defaults() throws IOException {
      if (channel == null) {
        return List.of();
      }
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      channel.position(0);
      while (channel.read(buf.clear()) > 0) {
        text.write(buf.array(), 0, buf.position());
      }
      return parser.apply(text.toString(StandardCharsets.US_ASCII));
    }
  }

  private final Table ipv4;
  private final Table ipv6;

  private DefaultRouteReader(Table ipv4, Table ipv6) {
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
  }

  /** Opens the tables of the calling thread's network namespace. */
  static DefaultRouteReader open() throws IOException {
    FileChannel v4 = openIfPresent(IPV4);
    try {
      return new DefaultRouteReader(new Table(v4, ProcNetRoute::ipv4Defaults), new Table(openIfPresent(IPV6), ProcNetRoute::ipv6Defaults));
    } catch (IOException | RuntimeException e) {
      if (v4 != null) {
        v4.close();
      }
      throw e;
    }
  }

  private static FileChannel openIfPresent(Path p) throws IOException {
    try {
      return FileChannel.open(p);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  synchronized DefaultRoutes read() throws IOException {
    return new DefaultRoutes(ipv4.defaults(), ipv6.defaults());
  }

  @Override
  public synchronized void close() throws IOException {
    try (FileChannel a = ipv4.channel(); FileChannel b = ipv6.channel()) {
      // closes both, null ones skipped
    }
  }
}

package io.ironlb.lab;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Byte relay between a listening socket and a target (TCP to unix socket and back): how a node
 * namespace reaches the API server without any interface or address in the root namespace. A
 * path-named unix socket is visible from every network namespace, because they share the
 * filesystem. One virtual thread per direction of each connection; half-closes are passed on, so
 * HTTP keep-alive and watch streams behave as on a direct connection.
 */
public final class Relay implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  private final ServerSocketChannel server;
  private final SocketAddress target;
  private final Thread acceptor;

  private Relay(ServerSocketChannel server, SocketAddress target, String name) {
    this.server = server;
    this.target = target;
    this.acceptor = Thread.ofPlatform().daemon().name("relay-" + name).start(this::acceptLoop);
  }

  /** Listens on the unix socket {@code path} (replacing a stale one) and relays to {@code target}. */
  public static Relay fromUnixSocket(Path path, SocketAddress target) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(path));
    return new Relay(s, target, path.getFileName().toString());
  }

  /** Listens on TCP {@code listen} and relays to {@code target} (a unix socket address). */
  public static Relay fromTcp(SocketAddress listen, SocketAddress target) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
    s.bind(listen);
    return new Relay(s, target, String.valueOf(listen));
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel in;
      try {
        in = server.accept();
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("accept failed on {}", server, e);
        }
        return;
      }
      Thread.ofVirtual().start(() -> connect(in));
    }
  }

  private void connect(SocketChannel in) {
    SocketChannel out;
    try {
      out = SocketChannel.open(target);
    } catch (IOException e) {
      LOG.warn("cannot reach {}: {}", target, e.toString());
      close(in);
      return;
    }
    Thread a = Thread.ofVirtual().start(() -> pump(in, out));
    Thread b = Thread.ofVirtual().start(() -> pump(out, in));
    try {
      a.join();
      b.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close(in);
      close(out);
    }
  }

  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
    try {
      while (from.read(buf) >= 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          to.write(buf);
        }
        buf.clear();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // The other side went away: closing both ends (in connect) ends the other direction too.
      close(from);
      close(to);
    }
  }

  private static void close(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  public int localPort() {
    try {
      return server.getLocalAddress() instanceof java.net.InetSocketAddress isa ? isa.getPort() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    acceptor.interrupt();
  }
}

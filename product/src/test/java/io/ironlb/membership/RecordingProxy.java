package io.ironlb.membership;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy that forwards every connection to one target and records what the clients sent: the
 * bytes an eavesdropper on the wire would capture and could replay.
 */
final class RecordingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<ByteArrayOutputStream> captured = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  RecordingProxy(InetSocketAddress listen, InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    server.bind(listen);
    Thread.ofPlatform().daemon().name("proxy-accept").start(this::acceptLoop);
  }

  InetSocketAddress endpoint() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** What each client sent, one entry per connection, in connection order. */
  List<byte[]> capturedClientStreams() {
    return captured.stream().map(b -> {
      synchronized (b) {
        return b.toByteArray();
      }
    }).toList();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 2000);
        sockets.add(client);
        sockets.add(upstream);
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        captured.add(record);
        Thread.ofPlatform().daemon().start(() -> pipe(client, upstream, record));
        Thread.ofPlatform().daemon().start(() -> pipe(upstream, client, null));
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection drop
      }
    }
  }

  private static void pipe(Socket from, Socket to, ByteArrayOutputStream record) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (record != null) {
          synchronized (record) {
            record.write(buf, 0, n);
          }
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(RecordingProxy::closeQuietly);
  }
}

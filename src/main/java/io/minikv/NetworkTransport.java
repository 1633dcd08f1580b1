package io.minikv;

import io.vertx.core.transport.Transport;

/**
 * The Vert.x transport named by {@code [node] transport}. Linux's native epoll needs fewer system
 * calls per request than Java NIO, and system calls are what this kind of server spends its time
 * on: a 3-node cluster served ~8 % more PUTs at ~9 % less CPU each with it (bench/RESULTS.md).
 * io_uring measured no better than epoll and is refused by common container sandboxes, so it is not
 * offered.
 */
final class NetworkTransport {
  private NetworkTransport() {}

  /**
   * {@code auto}: epoll when its native library loads here, else NIO. Naming a transport that
   * cannot load fails, with the reason.
   */
  static Transport resolve(String name) {
    return switch (name) {
      case "auto" -> Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
      case "nio" -> Transport.NIO;
      case "epoll" -> {
        if (!Transport.EPOLL.available()) {
          throw new IllegalArgumentException(
              "[node] transport = epoll cannot be used here: "
                  + Transport.EPOLL.unavailabilityCause());
        }
        yield Transport.EPOLL;
      }
      default -> throw new IllegalArgumentException("unknown [node] transport: " + name);
    };
  }
}

package io.minikv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

class NetworkTransportTest {
  @Test
  void nioIsAlwaysThere() {
    assertEquals(Transport.NIO, NetworkTransport.resolve("nio"));
  }

  @Test
  void autoTakesEpollWhenItLoadsElseNio() {
    Transport expected = Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
    assertEquals(expected, NetworkTransport.resolve("auto"));
  }

  /** The jar ships epoll's x86-64 Linux library; losing it would silently fall back to NIO. */
  @Test
  void epollLoadsOnX8664Linux() {
    assumeTrue(System.getProperty("os.name").equals("Linux"));
    assumeTrue(System.getProperty("os.arch").equals("amd64"));
    assertTrue(Transport.EPOLL.available(), () -> "" + Transport.EPOLL.unavailabilityCause());
    assertEquals(Transport.EPOLL, NetworkTransport.resolve("epoll"));
    assertEquals(Transport.EPOLL, NetworkTransport.resolve("auto"));
  }
}

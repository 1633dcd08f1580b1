package io.minikv.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentRecordsTest {
  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void remembersValuesAndAbsences() {
    RecentRecords r = new RecentRecords(1 << 20);
    assertSame(RecentRecords.UNKNOWN, r.get(b("a")));
    r.remember(b("a"), b("1"));
    r.remember(b("b"), null);
    assertArrayEquals(b("1"), r.get(b("a")));
    assertNull(r.get(b("b")));
    r.remember(b("a"), null);
    assertNull(r.get(b("a")));
    r.clear();
    assertSame(RecentRecords.UNKNOWN, r.get(b("a")));
    assertEquals(0, r.bytes());
  }

  @Test
  void staysWithinItsBudgetDroppingTheLeastRecentlyUsed() {
    RecentRecords r = new RecentRecords(10_000);
    r.remember(b("first"), new byte[100]);
    for (int i = 0; i < 1000; i++) {
      r.get(b("first")); // used again and again: kept
      r.remember(b("key" + i), new byte[100]);
      assertTrue(r.bytes() <= 10_000, "bytes " + r.bytes());
    }
    assertEquals(100, r.get(b("first")).length);
    assertSame(RecentRecords.UNKNOWN, r.get(b("key0")));
    assertEquals(100, r.get(b("key999")).length);
    assertTrue(r.size() > 30, "about 10000 / (96 + 6 + 100) records fit, not " + r.size());
  }

  @Test
  void aValueTooLargeForItIsForgottenNotKeptStale() {
    RecentRecords r = new RecentRecords(16 * 1024);
    r.remember(b("k"), b("small"));
    r.remember(b("k"), new byte[2000]); // over budget / 16
    assertSame(RecentRecords.UNKNOWN, r.get(b("k")));
    assertEquals(0, r.bytes());
  }

  @Test
  void aZeroBudgetRemembersNothing() {
    RecentRecords r = new RecentRecords(0);
    r.remember(b("k"), b("v"));
    assertSame(RecentRecords.UNKNOWN, r.get(b("k")));
  }
}

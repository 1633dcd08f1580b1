package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BatchLingerTest {
  private static final long MS = 1_000_000;

  @Test
  void aLoneWriterIsNeverKeptWaiting() {
    BatchLinger linger = new BatchLinger(2 * MS, 512);
    linger.committed(0, 1, 8 * MS, 0);
    assertEquals(0, linger.waitNanos(1, 0));
  }

  @Test
  void waitsForTheWritersInPlayLessStragglers() {
    BatchLinger linger = new BatchLinger(2 * MS, 512);
    // 10 queued while an entry of 11 was in flight: 21 writers, wait for 21 - 21 / 8 = 19.
    linger.committed(10, 11, 8 * MS, 0);
    assertEquals(2 * MS, linger.waitNanos(10, 0));
    assertEquals(MS, linger.waitNanos(18, MS));
    assertEquals(0, linger.waitNanos(19, MS));
  }

  @Test
  void waitsNoLongerThanTheCommitTookNorThanTheMaximum() {
    BatchLinger linger = new BatchLinger(2 * MS, 512);
    linger.committed(5, 5, MS / 2, 100 * MS);
    assertEquals(MS / 2, linger.waitNanos(5, 100 * MS));
    assertEquals(0, linger.waitNanos(9, 101 * MS)); // the writers came back
    linger.committed(5, 5, 40 * MS, 200 * MS);
    assertEquals(2 * MS, linger.waitNanos(5, 200 * MS));
  }

  @Test
  void neverWaitsForMoreThanAnEntryHoldsNorAfterTheNextEntryWent() {
    BatchLinger linger = new BatchLinger(2 * MS, 16);
    linger.committed(30, 30, 8 * MS, 0);
    assertEquals(0, linger.waitNanos(16, 0));
    linger.committed(3, 3, 8 * MS, 0);
    linger.sent();
    assertEquals(0, linger.waitNanos(1, 0));
  }

  @Test
  void aZeroLingerSendsAtOnce() {
    BatchLinger linger = new BatchLinger(0, 512);
    linger.committed(10, 11, 8 * MS, 0);
    assertEquals(0, linger.waitNanos(1, 0));
  }

  /**
   * Commits with 2 queued and 8 answered whose writers do not come back: lingers that do not pay.
   */
  private static int lingersOutOf(BatchLinger linger, int commits, long[] clock) {
    int lingered = 0;
    for (int i = 0; i < commits; i++) {
      linger.committed(2, 8, MS, clock[0]);
      if (linger.waitNanos(2, clock[0]) > 0) {
        lingered++;
        clock[0] += MS;
        assertEquals(0, linger.waitNanos(3, clock[0])); // ran out with 1 of 8 writers back
      }
      linger.sent();
      clock[0] += MS;
    }
    return lingered;
  }

  @Test
  void lingersThatDoNotPayAreSkippedMoreAndMoreOften() {
    BatchLinger linger = new BatchLinger(2 * MS, 512);
    long[] clock = {0};
    // Lingers at commits 1, 3, 6, 11, 20, 37, 70, 135, 200, ...: skipping 1, 2, 4, ... 64.
    assertEquals(2, lingersOutOf(linger, 3, clock));
    int lingered = lingersOutOf(linger, 997, clock);
    assertTrue(lingered >= 15 && lingered <= 20, "lingered " + lingered + " times in 997");
  }

  @Test
  void aLingerThatPaysEndsTheSkipping() {
    BatchLinger linger = new BatchLinger(2 * MS, 512);
    long[] clock = {0};
    lingersOutOf(linger, 200, clock); // skipping 64 commits after each linger now
    // A linger whose writers come back resets the back-off: the next one skips a single commit.
    for (int i = 0; i < 65; i++) {
      linger.committed(2, 8, MS, clock[0]);
      if (linger.waitNanos(2, clock[0]) > 0) {
        assertEquals(0, linger.waitNanos(9, clock[0]));
        break;
      }
      linger.sent();
    }
    assertEquals(2, lingersOutOf(linger, 3, clock));
  }
}

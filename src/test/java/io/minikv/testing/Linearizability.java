package io.minikv.testing;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Wing–Gong linearizability checker for one register with write, read and compare-and-set,
 * memoizing (linearized set, register value) pairs already explored. An operation whose outcome the
 * client never learned (a timeout, a dropped connection) has no response time: it may take effect
 * at any point after its invocation, or never.
 */
public final class Linearizability {
  private Linearizability() {}

  /** What an operation did, as the client saw it. */
  public enum Kind {
    WRITE,
    READ,
    CAS
  }

  /**
   * One operation: {@code value} is the value written (WRITE, CAS) or read (READ, null for absent);
   * {@code expected} is the value a CAS compared against; {@code ok} whether a CAS succeeded;
   * {@code response} is {@link Long#MAX_VALUE} when the outcome is unknown.
   */
  public record Op(
      Kind kind, String value, String expected, boolean ok, long invoke, long response) {
    boolean known() {
      return response != Long.MAX_VALUE;
    }
  }

  /** True when some order of the operations, respecting real time, explains every result. */
  public static boolean check(List<Op> history, String initial) {
    List<Op> ops = new ArrayList<>(history);
    ops.sort(Comparator.comparingLong(Op::invoke));
    int required = 0;
    for (Op op : ops) {
      if (op.known()) {
        required++;
      }
    }
    return search(ops, new BitSet(ops.size()), initial, 0, required, new HashSet<>());
  }

  private record Seen(BitSet done, String value) {}

  private static boolean search(
      List<Op> ops, BitSet done, String value, int knownDone, int required, Set<Seen> seen) {
    if (knownDone == required) {
      return true;
    }
    if (!seen.add(new Seen((BitSet) done.clone(), value))) {
      return false;
    }
    long firstResponse = Long.MAX_VALUE;
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      firstResponse = Math.min(firstResponse, ops.get(i).response());
    }
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      Op op = ops.get(i);
      if (op.invoke() > firstResponse) {
        break; // invoked after some pending operation had already returned
      }
      String next = apply(op, value);
      if (next == null) {
        continue;
      }
      done.set(i);
      boolean found =
          search(
              ops,
              done,
              next.equals(NO_CHANGE) ? value : next,
              knownDone + (op.known() ? 1 : 0),
              required,
              seen);
      done.clear(i);
      if (found) {
        return true;
      }
    }
    return false;
  }

  private static final String NO_CHANGE = "\u0000same";

  /** The register's value after {@code op}, NO_CHANGE, or null when {@code op} cannot go here. */
  private static String apply(Op op, String value) {
    switch (op.kind()) {
      case WRITE:
        return op.value();
      case READ:
        return Objects.equals(op.value(), value) ? NO_CHANGE : null;
      case CAS:
        boolean matches = Objects.equals(op.expected(), value);
        if (!op.known()) {
          return matches ? op.value() : NO_CHANGE;
        }
        if (op.ok()) {
          return matches ? op.value() : null;
        }
        return matches ? null : NO_CHANGE;
      default:
        throw new IllegalStateException();
    }
  }
}

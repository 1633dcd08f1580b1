package io.minikv.kv;

/**
 * A range scan of {@code [start, end)} (a null end is open), returning at most {@code limit}
 * entries. {@code after} continues a previous page: the scan resumes past that key in the scan's
 * direction.
 */
public record ScanRequest(
    byte[] start,
    byte[] end,
    int limit,
    boolean reverse,
    boolean keysOnly,
    boolean countOnly,
    byte[] after) {}

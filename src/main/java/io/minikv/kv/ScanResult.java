package io.minikv.kv;

import java.util.List;

/**
 * One page of a scan. {@code more} says whether entries remain past the last one; {@code count} is
 * the number of matching keys when the scan was count-only, else the page size.
 */
public record ScanResult(List<KeyEntry> entries, long count, boolean more) {}

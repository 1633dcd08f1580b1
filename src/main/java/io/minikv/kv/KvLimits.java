package io.minikv.kv;

/** Size and count limits enforced on every KV request. */
public record KvLimits(
    int maxKeyBytes,
    int maxValueBytes,
    long maxRequestBytes,
    int maxScanLimit,
    int defaultScanLimit,
    int maxTxnOps) {}

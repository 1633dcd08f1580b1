package io.minikv.kv;

/** A bucket of a tenant and when it was created (ms since the epoch). */
public record BucketEntry(String name, long createdMillis) {}

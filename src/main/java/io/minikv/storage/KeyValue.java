package io.minikv.storage;

/** One entry read from an engine. The arrays are owned by the caller. */
public record KeyValue(byte[] key, byte[] value) {}

package io.minikv.kv;

/** A user key with its stored record. */
public record KeyEntry(byte[] key, KeyRecord record) {}

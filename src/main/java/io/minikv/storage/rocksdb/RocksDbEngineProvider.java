package io.minikv.storage.rocksdb;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineProvider;
import java.nio.file.Path;

/** Provides the {@code rocksdb} engine, the default on disk. */
public final class RocksDbEngineProvider implements StorageEngineProvider {
  static final String NAME = "rocksdb";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StorageEngine open(Path dir) {
    return new RocksDbEngine(dir);
  }
}

package io.minikv.storage.memory;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineProvider;
import java.nio.file.Path;

/** Provides the {@code memory} engine. */
public final class MemoryEngineProvider implements StorageEngineProvider {
  static final String NAME = "memory";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StorageEngine open(Path dir) {
    return new MemoryEngine();
  }
}

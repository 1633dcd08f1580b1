package io.minikv.storage.xodus;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineProvider;
import java.nio.file.Path;

/** Provides the {@code xodus} engine. */
public final class XodusEngineProvider implements StorageEngineProvider {
  static final String NAME = "xodus";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StorageEngine open(Path dir) {
    return new XodusEngine(dir);
  }
}

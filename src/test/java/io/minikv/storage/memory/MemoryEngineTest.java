package io.minikv.storage.memory;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineContractTest;
import java.nio.file.Path;

class MemoryEngineTest extends StorageEngineContractTest {
  @Override
  protected StorageEngine open(Path dir) {
    return new MemoryEngine();
  }

  @Override
  protected boolean persistsAcrossReopen() {
    return false;
  }
}

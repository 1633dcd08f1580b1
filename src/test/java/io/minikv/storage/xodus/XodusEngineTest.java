package io.minikv.storage.xodus;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineContractTest;
import java.nio.file.Path;

class XodusEngineTest extends StorageEngineContractTest {
  @Override
  protected StorageEngine open(Path dir) {
    return new XodusEngine(dir);
  }
}

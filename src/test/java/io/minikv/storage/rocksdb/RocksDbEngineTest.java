package io.minikv.storage.rocksdb;

import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngineContractTest;
import java.nio.file.Path;

class RocksDbEngineTest extends StorageEngineContractTest {
  @Override
  protected StorageEngine open(Path dir) {
    return new RocksDbEngine(dir);
  }
}

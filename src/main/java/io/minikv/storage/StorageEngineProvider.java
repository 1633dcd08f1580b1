package io.minikv.storage;

import java.nio.file.Path;

/**
 * Creates engines of one kind. Implementations are found with {@link java.util.ServiceLoader}, so a
 * plugin jar can add an engine by listing its provider in {@code
 * META-INF/services/io.minikv.storage.StorageEngineProvider}.
 */
public interface StorageEngineProvider {

  /** The name used in {@code [storage] engine}. */
  String name();

  /** Opens (creating when absent) an engine whose files live under {@code dir}. */
  StorageEngine open(Path dir);
}

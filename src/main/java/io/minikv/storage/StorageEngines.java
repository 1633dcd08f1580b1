package io.minikv.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds engine providers with {@link ServiceLoader}. */
public final class StorageEngines {
  private StorageEngines() {}

  /** Names of every engine on the class path, in discovery order. */
  public static List<String> available() {
    List<String> names = new ArrayList<>();
    for (StorageEngineProvider p : ServiceLoader.load(StorageEngineProvider.class)) {
      names.add(p.name());
    }
    return names;
  }

  /** Opens the engine called {@code name} in {@code dir}. */
  public static StorageEngine open(String name, Path dir) {
    for (StorageEngineProvider p : ServiceLoader.load(StorageEngineProvider.class)) {
      if (p.name().equals(name)) {
        return p.open(dir);
      }
    }
    throw new StorageException(
        "unknown storage engine '" + name + "'; available: " + String.join(", ", available()));
  }
}

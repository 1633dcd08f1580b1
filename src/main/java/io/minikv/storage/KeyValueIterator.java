package io.minikv.storage;

import java.util.Iterator;

/** An ordered iterator over an engine range that holds engine resources until closed. */
public interface KeyValueIterator extends Iterator<KeyValue>, AutoCloseable {
  @Override
  void close();
}

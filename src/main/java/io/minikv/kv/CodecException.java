package io.minikv.kv;

/** Bytes that do not decode: a corrupt record or an entry written by an unknown version. */
public final class CodecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(message);
  }
}

package io.minikv.s3;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An object's metadata as stored in its group: size, ETag, content type, user metadata, the content
 * headers kept from PUT, an optional checksum, and either the body inline (small objects) or the id
 * of its blob on disk.
 */
record ObjectRecord(
    long size,
    String etag,
    String contentType,
    long lastModified,
    Map<String, String> userMetadata,
    Map<String, String> headers,
    String checksumAlgorithm,
    String checksumValue,
    List<Blob> blobs,
    byte[] inline) {

  /** One body file and its length; a multipart object has one per part, in order. */
  record Blob(String id, long size) {}

  /** The single blob of an object stored in one piece. */
  static List<Blob> single(String id, long size) {
    return id == null ? List.of() : List.of(new Blob(id, size));
  }

  private static final int FORMAT = 1;

  byte[] encode() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(128 + (inline == null ? 0 : inline.length));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeLong(size);
      out.writeUTF(etag);
      writeNullable(out, contentType);
      out.writeLong(lastModified);
      writeMap(out, userMetadata);
      writeMap(out, headers);
      writeNullable(out, checksumAlgorithm);
      writeNullable(out, checksumValue);
      out.writeInt(blobs.size());
      for (Blob b : blobs) {
        out.writeUTF(b.id());
        out.writeLong(b.size());
      }
      out.writeInt(inline == null ? -1 : inline.length);
      if (inline != null) {
        out.write(inline);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static ObjectRecord decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      int format = in.readByte();
      if (format != FORMAT) {
        throw new IllegalStateException("unknown object record format " + format);
      }
      long size = in.readLong();
      String etag = in.readUTF();
      String contentType = readNullable(in);
      long lastModified = in.readLong();
      Map<String, String> meta = readMap(in);
      Map<String, String> headers = readMap(in);
      String alg = readNullable(in);
      String value = readNullable(in);
      int count = in.readInt();
      List<Blob> blobs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        blobs.add(new Blob(in.readUTF(), in.readLong()));
      }
      int n = in.readInt();
      byte[] inline = n < 0 ? null : in.readNBytes(n);
      return new ObjectRecord(
          size, etag, contentType, lastModified, meta, headers, alg, value, blobs, inline);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeInt(map.size());
    for (Map.Entry<String, String> e : map.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeUTF(e.getValue());
    }
  }

  private static Map<String, String> readMap(DataInputStream in) throws IOException {
    int n = in.readInt();
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      map.put(in.readUTF(), in.readUTF());
    }
    return map;
  }
}

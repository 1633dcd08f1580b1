package io.minikv.s3;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** A small builder for S3's XML replies. */
final class Xml {
  static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

  private final StringBuilder sb =
      new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

  Xml open(String name) {
    sb.append('<').append(name).append('>');
    return this;
  }

  Xml openNs(String name) {
    sb.append('<').append(name).append(" xmlns=\"").append(NS).append("\">");
    return this;
  }

  Xml close(String name) {
    sb.append("</").append(name).append('>');
    return this;
  }

  Xml element(String name, String text) {
    if (text == null) {
      return this;
    }
    open(name);
    escape(text);
    return close(name);
  }

  static String time(long millis) {
    return ISO.format(
        Instant.ofEpochMilli(millis).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  private void escape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        default -> sb.append(c);
      }
    }
  }

  /** Ends the response with this document. */
  void send(io.vertx.core.http.HttpServerRequest req, int status) {
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/xml")
        .end(toString());
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}

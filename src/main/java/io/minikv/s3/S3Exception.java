package io.minikv.s3;

/** An S3 error: the code, HTTP status and message of the S3 XML error document. */
public final class S3Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public S3Exception(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  static S3Exception accessDenied(String message) {
    return new S3Exception(403, "AccessDenied", message);
  }

  static S3Exception noSuchBucket() {
    return new S3Exception(404, "NoSuchBucket", "The specified bucket does not exist");
  }

  static S3Exception signatureMismatch() {
    return new S3Exception(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
  }

  static S3Exception methodNotAllowed() {
    return new S3Exception(
        405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  static S3Exception invalidArgument(String message) {
    return new S3Exception(400, "InvalidArgument", message);
  }
}

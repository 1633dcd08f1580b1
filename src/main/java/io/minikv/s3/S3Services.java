package io.minikv.s3;

import io.minikv.kv.BucketService;
import java.util.function.Function;

/**
 * What the S3 gateway needs from the node. {@code secretOf} maps an access key to its secret (null
 * when unknown); requests to {@code <bucket>.<domain>} are virtual-host style.
 */
public record S3Services(
    BucketService buckets,
    BlobStore blobs,
    Function<String, String> secretOf,
    boolean authEnabled,
    String region,
    String domain,
    String ownerId,
    String host,
    int port) {}

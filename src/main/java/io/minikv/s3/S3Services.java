package io.minikv.s3;

import io.minikv.kv.BucketService;
import java.util.function.Function;

/**
 * What the S3 gateway needs from the node. {@code secretOf} maps an access key to its secret (null
 * when unknown); {@code unavailable}, when not null, names why every request answers 501; requests
 * to {@code <bucket>.<domain>} are virtual-host style.
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
    int port,
    String unavailable) {}

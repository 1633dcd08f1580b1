package io.minikv.raft;

import java.nio.file.Path;
import java.time.Duration;

/** What a node's Raft server needs from the configuration. */
public record RaftSettings(
    Path dir,
    String host,
    int port,
    String nodeId,
    boolean sync,
    boolean leaseReads,
    long snapshotEveryEntries,
    long catchUpEntries,
    long segmentSizeBytes,
    Duration electionTimeout,
    int batchMaxCommands,
    long batchMaxBytes,
    int maxInflightEntries,
    Duration batchLinger,
    Duration leaderWait,
    long snapshotCopyBytesPerSecond,
    long recentRecordBytes) {}

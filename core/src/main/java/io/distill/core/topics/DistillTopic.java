package io.distill.core.topics;

import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import org.apache.avro.specific.SpecificRecord;

/** Every topic of the design, with its suffix (the name after the prefix) and its value contract. */
public enum DistillTopic {
  /** Inference requests written by applications; keyed by request id. */
  REQUESTS("requests", InferenceRequest.class, Role.DATA, true, true),
  /** Every teacher's soft label for a request; keyed by request id. */
  SOFT_LABELS("soft-labels", SoftLabel.class, Role.DATA, true, false),
  /** Predictions for applications that read them from Kafka; keyed by request id. */
  RESPONSES("responses", Prediction.class, Role.DATA, false, false),
  /** Late true labels written by applications or labelers; keyed by request id. */
  GROUND_TRUTH("ground-truth", GroundTruth.class, Role.DATA, true, true),
  /** Training split of the joined examples; keyed by request id. */
  EXAMPLES("examples", TrainingExample.class, Role.DATA, true, false),
  /** Hold-out split of the joined examples; keyed by request id. */
  HOLDOUT("holdout", TrainingExample.class, Role.DATA, true, false),
  /** Checkpoint manifests, compacted; keyed by {@code model:version}. */
  CHECKPOINTS("checkpoints", CheckpointManifest.class, Role.CHECKPOINT, false, false),
  /** Checkpoint blob chunks as raw bytes, compacted; keyed by {@code model:version:chunk}. */
  CHECKPOINT_BLOBS("checkpoint-blobs", null, Role.CHECKPOINT, false, false),
  /** The serving fleet's version policy per model, compacted; keyed by model name. */
  CHECKPOINT_CONTROL("checkpoint-control", CheckpointControl.class, Role.CHECKPOINT, false, false),
  /** Records refused by any stage; keyed by the original record's key. */
  DEAD_LETTERS("dead-letters", DeadLetter.class, Role.DATA, false, false);

  /** Data topics share the catalogue's partition count; checkpoint topics have one partition. */
  public enum Role { DATA, CHECKPOINT }

  private final String suffix;
  private final Class<? extends SpecificRecord> valueType;
  private final Role role;
  private final boolean coPartitioned;
  private final boolean externallyWritten;

  DistillTopic(String suffix, Class<? extends SpecificRecord> valueType, Role role, boolean coPartitioned, boolean externallyWritten) {
    this.suffix = suffix;
    this.valueType = valueType;
    this.role = role;
    this.coPartitioned = coPartitioned;
    this.externallyWritten = externallyWritten;
  }

  public String suffix() {
    return suffix;
  }

  /** The Avro class of the values, or null for raw bytes (checkpoint blobs). */
  public Class<? extends SpecificRecord> valueType() {
    return valueType;
  }

  public Role role() {
    return role;
  }

  /**
   * Whether the topology joins this topic by request id, so that its partition count must equal the
   * other co-partitioned topics' (no repartition topic).
   */
  public boolean coPartitioned() {
    return coPartitioned;
  }

  /** Whether applications outside Distill write it (its contract is then held to FULL_TRANSITIVE). */
  public boolean externallyWritten() {
    return externallyWritten;
  }

  /** Whether it is compacted (the newest record per key is kept) rather than deleted by age. */
  public boolean compacted() {
    return role == Role.CHECKPOINT;
  }
}

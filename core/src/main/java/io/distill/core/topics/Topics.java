package io.distill.core.topics;

import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.registry.RegistryClient;
import io.distill.core.serde.AvroSerde;
import io.distill.core.serde.DistillSerdes;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.DeadLetter;
import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import org.apache.avro.specific.SpecificRecord;

/**
 * The catalogue's topics with their serdes, from {@link TopicCatalogue#topics(RegistryClient,
 * boolean)}: string keys, Avro values through the registry (raw bytes for blob chunks; raw original
 * keys for dead letters). One serde instance per value type, shared by the topics that carry it.
 */
public final class Topics {
  private final TopicCatalogue catalogue;
  private final Topic<String, InferenceRequest> requests;
  private final Topic<String, SoftLabel> softLabels;
  private final Topic<String, Prediction> responses;
  private final Topic<String, GroundTruth> groundTruth;
  private final Topic<String, TrainingExample> examples;
  private final Topic<String, TrainingExample> holdout;
  private final Topic<String, CheckpointManifest> checkpoints;
  private final Topic<String, byte[]> checkpointBlobs;
  private final Topic<String, CheckpointControl> checkpointControl;
  private final Topic<byte[], DeadLetter> deadLetters;
  private final AvroSerde<TrainingExample> exampleSerde;

  Topics(TopicCatalogue c, RegistryClient registry, boolean autoRegister) {
    this.catalogue = c;
    this.exampleSerde = serde(TrainingExample.class, registry, autoRegister);
    this.requests = new Topic<>(c.requests(), DistillSerdes.key(), serde(InferenceRequest.class, registry, autoRegister));
    this.softLabels = new Topic<>(c.softLabels(), DistillSerdes.key(), serde(SoftLabel.class, registry, autoRegister));
    this.responses = new Topic<>(c.responses(), DistillSerdes.key(), serde(Prediction.class, registry, autoRegister));
    this.groundTruth = new Topic<>(c.groundTruth(), DistillSerdes.key(), serde(GroundTruth.class, registry, autoRegister));
    this.examples = new Topic<>(c.examples(), DistillSerdes.key(), exampleSerde);
    this.holdout = new Topic<>(c.holdout(), DistillSerdes.key(), exampleSerde);
    this.checkpoints = new Topic<>(c.checkpoints(), DistillSerdes.key(), serde(CheckpointManifest.class, registry, autoRegister));
    this.checkpointBlobs = new Topic<>(c.checkpointBlobs(), DistillSerdes.key(), DistillSerdes.bytes());
    this.checkpointControl = new Topic<>(c.checkpointControl(), DistillSerdes.key(), serde(CheckpointControl.class, registry, autoRegister));
    this.deadLetters = new Topic<>(c.deadLetters(), DistillSerdes.bytes(), serde(DeadLetter.class, registry, autoRegister));
  }

  private static <T extends SpecificRecord> AvroSerde<T> serde(Class<T> type, RegistryClient registry, boolean autoRegister) {
    return DistillSerdes.of(type, registry, false, autoRegister);
  }

  public TopicCatalogue catalogue() {
    return catalogue;
  }

  public Topic<String, InferenceRequest> requests() {
    return requests;
  }

  public Topic<String, SoftLabel> softLabels() {
    return softLabels;
  }

  public Topic<String, Prediction> responses() {
    return responses;
  }

  public Topic<String, GroundTruth> groundTruth() {
    return groundTruth;
  }

  public Topic<String, TrainingExample> examples() {
    return examples;
  }

  public Topic<String, TrainingExample> holdout() {
    return holdout;
  }

  /** One site's examples topic ({@code <prefix>examples.site-<id>}); the site must be in {@code topics.sites}. */
  public Topic<String, TrainingExample> siteExamples(String site) {
    return new Topic<>(catalogue.siteExamples(site), DistillSerdes.key(), exampleSerde);
  }

  /** One site's hold-out topic ({@code <prefix>holdout.site-<id>}); the site must be in {@code topics.sites}. */
  public Topic<String, TrainingExample> siteHoldout(String site) {
    return new Topic<>(catalogue.siteHoldout(site), DistillSerdes.key(), exampleSerde);
  }

  public Topic<String, CheckpointManifest> checkpoints() {
    return checkpoints;
  }

  public Topic<String, byte[]> checkpointBlobs() {
    return checkpointBlobs;
  }

  public Topic<String, CheckpointControl> checkpointControl() {
    return checkpointControl;
  }

  public Topic<byte[], DeadLetter> deadLetters() {
    return deadLetters;
  }

  /** A publisher of dead letters to this catalogue's dead-letter topic. */
  public DeadLetterPublisher deadLetterPublisher(DeadLetterRecords records) {
    return new DeadLetterPublisher(deadLetters.name(), deadLetters.valueSerializer(), records);
  }
}

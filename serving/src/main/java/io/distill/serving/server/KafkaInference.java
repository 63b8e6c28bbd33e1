package io.distill.serving.server;

import io.distill.core.transactions.TransactionRetry;
import io.distill.core.deadletter.DeadLetterPublisher;
import io.distill.core.deadletter.ReasonCode;
import io.distill.core.registry.RegistryException;
import io.distill.core.serde.RecordDecodeException;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.tensor.TensorValidationException;
import io.distill.core.topics.Topic;
import io.distill.schema.InferenceRequest;
import io.distill.schema.LabelSpace;
import io.distill.schema.Prediction;
import io.distill.serving.model.ModelNotLoadedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka-native inference: reads {@link InferenceRequest}s for this server's task from the requests topic (one
 * consumer group for the whole fleet, so each request is answered once) and writes a {@link Prediction} per request,
 * stamped with the version that produced it, to the responses topic. Each poll is answered as one batch under one
 * lease, and the predictions, dead letters and consumed offsets are committed in one transaction (exactly once).
 *
 * <p>Requests for other tasks are skipped; undecodable requests and invalid tensors are dead-lettered with their
 * reason code and the offsets move on. Nothing is consumed before the first version is loaded.
 */
public final class KafkaInference implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaInference.class);
    private static final String STAGE = "serving/kafka-inference";

    private final PredictionService predictions;
    private final Topic<String, InferenceRequest> requests;
    private final Topic<String, Prediction> responses;
    private final DeadLetterPublisher deadLetters;
    private final String task;
    private final LabelSpace labelSpace;
    private final Map<String, Object> consumerProps;
    private final Map<String, Object> producerProps;
    private final Counter answered;
    private final Counter skipped;
    private final Counter deadLettered;
    private final MeterRegistry registry;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    public KafkaInference(PredictionService predictions, Topic<String, InferenceRequest> requests,
                          Topic<String, Prediction> responses, DeadLetterPublisher deadLetters, String task,
                          LabelSpace labelSpace, Map<String, Object> kafkaClientProperties, String groupId,
                          String transactionalId, MeterRegistry registry) {
        this.predictions = predictions;
        this.requests = requests;
        this.responses = responses;
        this.deadLetters = deadLetters;
        this.task = task;
        this.labelSpace = labelSpace;
        this.consumerProps = new HashMap<>(kafkaClientProperties);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 256);
        this.producerProps = new HashMap<>(kafkaClientProperties);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        String model = predictions.slot().modelName();
        this.registry = registry;
        this.answered = Counter.builder("distill_serving_kafka_answered_total").tag("model", model)
                .description("Requests answered from the requests topic").register(registry);
        this.skipped = Counter.builder("distill_serving_kafka_skipped_total").tag("model", model)
                .description("Requests for other tasks").register(registry);
        this.deadLettered = Counter.builder("distill_serving_kafka_dead_letters_total").tag("model", model)
                .description("Requests refused to the dead-letter topic").register(registry);
        this.thread = new Thread(this::run, "kafka-inference-" + model);
        thread.setDaemon(true);
    }

    public KafkaInference start() {
        thread.start();
        return this;
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                     new ByteArraySerializer());
             KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(c);
             KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer)) {
            consumerMetrics.bindTo(registry);
            producerMetrics.bindTo(registry);
            consumer = c;
            while (running && predictions.slot().currentVersion() < 0) {
                Thread.sleep(100);
            }
            producer.initTransactions();
            c.subscribe(List.of(requests.name()));
            log.info("answering {} requests from {} into {}", task, requests.name(), responses.name());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                try {
                    answer(records, producer);
                    TransactionRetry.untilDone("inference: sending offsets",
                            () -> producer.sendOffsetsToTransaction(nextOffsets(records), c.groupMetadata()),
                            () -> running);
                    TransactionRetry.untilDone("inference: commit", producer::commitTransaction, () -> running);
                } catch (ProducerFencedException e) {
                    throw e;
                } catch (RegistryException e) {
                    // Not the records' fault: retry the same records once the registry answers again.
                    log.warn("schema registry unavailable, retrying the batch: {}", e.toString());
                    producer.abortTransaction();
                    rewind(c, records);
                    Thread.sleep(1000);
                } catch (KafkaException e) {
                    log.warn("aborting an inference transaction: {}", e.toString());
                    producer.abortTransaction();
                    rewind(c, records);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("kafka inference woken up unexpectedly", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("kafka inference stopped", e);
        } finally {
            consumer = null;
        }
    }

    private void answer(ConsumerRecords<byte[], byte[]> records, KafkaProducer<byte[], byte[]> producer) {
        List<InferenceRequest> batch = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            InferenceRequest request;
            try {
                request = requests.valueDeserializer().deserialize(record.topic(), record.headers(), record.value());
            } catch (RecordDecodeException e) {
                deadLetter(producer, record, () -> deadLetters.publish(producer, record, STAGE, e));
                continue;
            }
            if (request == null) {
                deadLetter(producer, record, () -> deadLetters.publish(producer, record, STAGE,
                        ReasonCode.EMPTY_RECORD, "null request"));
                continue;
            }
            if (!task.equals(request.getTask())) {
                skipped.increment();
                continue;
            }
            try {
                inputs.add(TensorCodec.decode(request.getInput()));
                batch.add(request);
            } catch (TensorValidationException e) {
                ReasonCode reason = ReasonCode.valueOf(e.reasonCode());
                deadLetter(producer, record, () -> deadLetters.publish(producer, record, STAGE, reason, e));
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        int size = predictions.slot().current().map(m -> m.inputSize()).orElseThrow(
                () -> new ModelNotLoadedException(predictions.slot().modelName()));
        List<InferenceRequest> valid = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (inputs.get(i).length == size) {
                valid.add(batch.get(i));
                rows.add(inputs.get(i));
            } else {
                InferenceRequest bad = batch.get(i);
                log.warn("request {} has {} values, the model takes {}", bad.getRequestId(), inputs.get(i).length, size);
                deadLettered.increment();
                deadLetters.publish(producer, deadLetters.records().build(requests.name(), -1, -1,
                        bad.getRequestId().getBytes(StandardCharsets.UTF_8),
                        requests.serializeValue(bad), STAGE, ReasonCode.INVALID_TENSOR_SHAPE,
                        "input has " + inputs.get(i).length + " values, the model takes " + size, null));
            }
        }
        if (valid.isEmpty()) {
            return;
        }
        List<String> ids = valid.stream().map(InferenceRequest::getRequestId).toList();
        Answer answer = predictions.predict(rows.toArray(new float[0][]), ids);
        Instant now = Instant.now();
        int sent = 0;
        for (int i = 0; i < valid.size(); i++) {
            List<Float> probs = new ArrayList<>(answer.probabilities()[i].length);
            boolean finite = true;
            for (float p : answer.probabilities()[i]) {
                probs.add(p);
                finite &= Float.isFinite(p);
            }
            if (!finite) {
                // Finite but extreme inputs can overflow the network; an answer of NaNs helps no one.
                InferenceRequest bad = valid.get(i);
                log.warn("request {}: the model's output is not finite", bad.getRequestId());
                deadLettered.increment();
                deadLetters.publish(producer, deadLetters.records().build(requests.name(), -1, -1,
                        bad.getRequestId().getBytes(StandardCharsets.UTF_8), requests.serializeValue(bad), STAGE,
                        ReasonCode.NON_FINITE_VALUE, "the model's output for this input is not finite", null));
                continue;
            }
            sent++;
            Prediction prediction = Prediction.newBuilder()
                    .setRequestId(ids.get(i))
                    .setModelName(answer.model())
                    .setModelVersion(Long.toString(answer.version()))
                    .setLabelSpace(labelSpace)
                    .setPredictedClass(answer.classes()[i])
                    .setProbabilities(probs)
                    .setLatencyMicros(answer.latencyMicros())
                    .setProducedAt(now)
                    .build();
            producer.send(new ProducerRecord<>(responses.name(), ids.get(i).getBytes(StandardCharsets.UTF_8),
                    responses.serializeValue(prediction)));
        }
        answered.increment(sent);
    }

    private void deadLetter(KafkaProducer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> record,
                            Runnable publish) {
        deadLettered.increment();
        publish.run();
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            out.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return out;
    }

    private static void rewind(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).get(0).offset());
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

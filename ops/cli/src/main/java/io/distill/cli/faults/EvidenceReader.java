package io.distill.cli.faults;

import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.DeadLetter;
import io.distill.schema.ExampleKind;
import io.distill.schema.SoftLabel;
import io.distill.schema.TrainingExample;
import io.distill.topology.DistillTopology;
import io.distill.topology.accounting.Outcome;
import io.distill.topology.state.DecidedRequest;
import io.distill.topology.state.DecidedRequestSerde;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a run's {@link PipelineEvidence} from the broker, everything with {@code read_committed}: the requests,
 * soft-labels, examples, holdout, dead-letters and checkpoints topics, and the topology's {@code decided-requests}
 * and {@code dispositions} changelogs (its exactly-once state, {@code <application.id>-<store>-changelog}).
 */
public final class EvidenceReader {

    private static final String TOPOLOGY_REQUEST_STAGE = "topology/decode-requests";

    private final TopicScan scan;
    private final Topics topics;
    private final String topologyApplicationId;

    public EvidenceReader(TopicScan scan, Topics topics, String topologyApplicationId) {
        this.scan = scan;
        this.topics = topics;
        this.topologyApplicationId = topologyApplicationId;
    }

    public static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    public PipelineEvidence read(Set<String> teachers) {
        IsolationLevel committed = IsolationLevel.READ_COMMITTED;
        List<String> requestIds = new ArrayList<>();
        scan.scan(topics.requests().name(), committed, r -> requestIds.add(key(r.key())));

        List<PipelineEvidence.SoftLabelRef> softLabels = new ArrayList<>();
        Deserializer<SoftLabel> labels = topics.softLabels().valueDeserializer();
        scan.scan(topics.softLabels().name(), committed, r -> {
            SoftLabel label = labels.deserialize(r.topic(), r.value());
            softLabels.add(new PipelineEvidence.SoftLabelRef(label.getRequestId().toString(), label.getTeacherId().toString(),
                    "p" + r.partition() + "@" + r.offset() + " produced " + label.getProducedAt()));
        });

        List<PipelineEvidence.ExampleRef> examples = new ArrayList<>();
        for (var topic : List.of(topics.examples(), topics.holdout())) {
            Deserializer<TrainingExample> decoder = topic.valueDeserializer();
            scan.scan(topic.name(), committed, r -> {
                TrainingExample example = decoder.deserialize(r.topic(), r.value());
                examples.add(new PipelineEvidence.ExampleRef(example.getRequestId().toString(),
                        example.getKind() == ExampleKind.LABEL_CORRECTION));
            });
        }

        Map<String, Outcome> decisions = new HashMap<>();
        Deserializer<DecidedRequest> decided = new DecidedRequestSerde().deserializer();
        scan.scan(changelog(topologyApplicationId, DistillTopology.DECIDED_STORE), committed, r -> {
            if (r.value() == null) {
                decisions.remove(key(r.key()));
            } else {
                decisions.put(key(r.key()), decided.deserialize(r.topic(), r.value()).outcome());
            }
        });

        Map<Integer, Map<String, Long>> countsByPartition = new TreeMap<>();
        LongDeserializer longs = new LongDeserializer();
        scan.scan(changelog(topologyApplicationId, DistillTopology.DISPOSITIONS_STORE), committed, r -> {
            Map<String, Long> counts = countsByPartition.computeIfAbsent(r.partition(), p -> new HashMap<>());
            if (r.value() == null) {
                counts.remove(key(r.key()));
            } else {
                counts.put(key(r.key()), longs.deserialize(r.topic(), r.value()));
            }
        });
        Map<String, Long> dispositionCounts = new TreeMap<>();
        countsByPartition.values().forEach(m -> m.forEach((k, v) -> dispositionCounts.merge(k, v, Long::sum)));

        Set<String> deadLettered = new HashSet<>();
        Deserializer<DeadLetter> letters = topics.deadLetters().valueDeserializer();
        scan.scan(topics.deadLetters().name(), committed, r -> {
            DeadLetter letter = letters.deserialize(r.topic(), r.value());
            if (letter.getTopic().toString().equals(topics.requests().name())
                    && letter.getStage().toString().equals(TOPOLOGY_REQUEST_STAGE) && letter.getKey() != null) {
                deadLettered.add(key(bytes(letter.getKey())));
            }
        });

        List<CheckpointManifest> manifests = new ArrayList<>();
        Deserializer<CheckpointManifest> manifestDecoder = topics.checkpoints().valueDeserializer();
        scan.scan(topics.checkpoints().name(), committed, r -> {
            if (r.value() != null) {
                manifests.add(manifestDecoder.deserialize(r.topic(), r.value()));
            }
        });
        return new PipelineEvidence(requestIds, teachers, softLabels, examples, decisions, deadLettered,
                dispositionCounts, manifests, scan.startOffsets(topics.examples().name()));
    }

    private static String key(byte[] key) {
        return key == null ? "" : new String(key, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}

package io.distill.serving.cli;

import io.distill.core.checkpoint.store.VersionRetirement;
import io.distill.core.config.ConnectionOptions;
import io.distill.core.config.DistillConfig;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointControl;
import io.distill.schema.CheckpointManifest;
import io.distill.serving.control.CheckpointCatalog;
import io.distill.serving.control.ControlWriter;
import io.distill.serving.policy.ControlRecords;
import io.distill.serving.policy.VersionPolicy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code distill checkpoints list|show|pin|unpin|rollback|retire}: inspect a model's published versions and steer the
 * serving fleet through control records. Who may write control records is decided by Kafka ACLs on the control topic.
 */
@Command(name = "checkpoints", mixinStandardHelpOptions = true,
        description = "List and show checkpoint versions; pin, unpin, roll back and retire them for the serving fleet.",
        subcommands = {CheckpointsCommand.ListVersions.class, CheckpointsCommand.Show.class,
                CheckpointsCommand.Pin.class, CheckpointsCommand.Unpin.class, CheckpointsCommand.Rollback.class,
                CheckpointsCommand.Retire.class})
public final class CheckpointsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options of every subcommand. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Option(names = "--model", required = true, paramLabel = "NAME", description = "Student model name.")
        String model;

        PrintStream out = System.out;
        PrintStream err = System.err;

        /** Runs the subcommand; a refused login or ACL ends it with one clear line and exit code 3. */
        @Override
        public final Integer call() throws Exception {
            try {
                return execute();
            } catch (Exception e) {
                var denied = AccessDenied.describe(e, what());
                if (denied.isEmpty()) {
                    throw e;
                }
                err.println(denied.get());
                return 3;
            }
        }

        abstract Integer execute() throws Exception;

        /** What the subcommand does, for the error message. */
        String what() {
            return "read the checkpoint topics of " + model;
        }

        DistillConfig config() {
            return connection.config(ConnectionOptions.connectionDefaults(), Map.of());
        }

        CheckpointCatalog catalog(DistillConfig config, Topics topics) {
            return CheckpointCatalog.read(model, topics.checkpoints(), topics.checkpointControl(),
                    config.kafkaProperties(), Duration.ofSeconds(30));
        }
    }

    /** Options of the subcommands that write a control record. */
    abstract static class Writing extends Base {
        @Option(names = "--actor", description = "Who writes the record (default: the user name).")
        String actor = System.getProperty("user.name", "operator");

        @Option(names = "--reason", description = "Why the record is written.")
        String reason = "operator request";

        @Override
        String what() {
            return "write control records for " + model + " (who may is decided by WRITE on the control topic)";
        }

        int write(CheckpointControl record, DistillConfig config, Topics topics) {
            try (ControlWriter writer = new ControlWriter(topics.checkpointControl(), config.kafkaProperties())) {
                writer.write(record);
            }
            out.println("policy of " + model + " is now " + VersionPolicy.from(record) + " (by " + record.getActor()
                    + ": " + record.getReason() + ")");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the model's versions with their metrics and lineage, and the fleet's policy.")
    static final class ListVersions extends Base {
        @Override
        public Integer execute() {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            CheckpointCatalog catalog = catalog(config, topics);
            out.println("model " + model + ": policy " + catalog.policy() + ", selected version "
                    + (catalog.selectedVersion() < 0 ? "none" : catalog.selectedVersion()));
            out.printf("%-8s %-8s %-24s %10s %12s %10s  %s%n", "version", "parent", "created", "step", "samples",
                    "MB", "metrics");
            for (CheckpointManifest m : catalog.manifests().values()) {
                String mark = catalog.policy().denied().contains(m.getVersion()) ? " (denied)"
                        : m.getVersion() == catalog.selectedVersion() ? " (selected)" : "";
                out.printf("%-8d %-8s %-24s %10d %12d %10.2f  %s%s%n", m.getVersion(),
                        m.getParentVersion() == null ? "-" : m.getParentVersion(), m.getCreatedAt(), m.getStep(),
                        m.getSamplesSeen(), m.getTotalBytes() / 1e6, m.getMetrics().entrySet().stream()
                                .map(e -> e.getKey() + "=" + String.format("%.4f", e.getValue()))
                                .collect(Collectors.joining(" ")), mark);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one version's manifest as JSON.")
    static final class Show extends Base {
        @Parameters(paramLabel = "VERSION", description = "The version.")
        long version;

        @Override
        public Integer execute() {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            return catalog(config, topics).manifest(version).map(m -> {
                out.println(m.toString());
                return 0;
            }).orElseGet(() -> {
                System.err.println(model + " has no version " + version);
                return 1;
            });
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Pin the fleet to one version (the deny-list is kept).")
    static final class Pin extends Writing {
        @Parameters(paramLabel = "VERSION", description = "The version to serve.")
        long version;

        @Override
        public Integer execute() {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            CheckpointCatalog catalog = catalog(config, topics);
            if (catalog.manifest(version).isEmpty()) {
                System.err.println(model + " has no version " + version);
                return 1;
            }
            return write(ControlRecords.pin(model, version, catalog.policy(), actor, reason), config, topics);
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true,
            description = "Return the fleet to the newest allowed version (the deny-list is kept).")
    static final class Unpin extends Writing {
        @Option(names = "--clear-denied", description = "Also empty the deny-list.")
        boolean clearDenied;

        @Override
        public Integer execute() {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            VersionPolicy current = clearDenied ? VersionPolicy.latest() : catalog(config, topics).policy();
            return write(ControlRecords.unpin(model, current, actor, reason), config, topics);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Pin the previous version and deny-list the current (or the given) one.")
    static final class Rollback extends Writing {
        @Option(names = "--from", paramLabel = "VERSION",
                description = "The bad version (default: the one the policy selects now).")
        Long from;

        @Override
        public Integer execute() {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            CheckpointCatalog catalog = catalog(config, topics);
            long bad = from != null ? from : catalog.selectedVersion();
            if (bad < 0) {
                System.err.println(model + " has no version to roll back from");
                return 1;
            }
            return write(ControlRecords.rollback(model, bad, catalog.manifests().navigableKeySet(), catalog.policy(),
                    actor, reason), config, topics);
        }
    }

    @Command(name = "retire", mixinStandardHelpOptions = true,
            description = "Retire a version: tombstones for its manifest and its blob chunks.")
    static final class Retire extends Base {
        @Parameters(paramLabel = "VERSION", description = "The version to retire.")
        long version;

        @Override
        String what() {
            return "write tombstones for " + model + " v" + version + " (WRITE on the manifest and blob topics)";
        }

        @Override
        public Integer execute() throws Exception {
            DistillConfig config = config();
            Topics topics = ConnectionOptions.topics(config);
            CheckpointCatalog catalog = catalog(config, topics);
            CheckpointManifest manifest = catalog.manifest(version).orElse(null);
            if (manifest == null) {
                System.err.println(model + " has no version " + version);
                return 1;
            }
            if (catalog.selectedVersion() == version) {
                out.println("note: v" + version + " is the version the policy selects; the fleet will move to "
                        + "the next version the policy allows");
            }
            Map<String, Object> props = new HashMap<>(config.kafkaProperties());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                new VersionRetirement(producer, topics.checkpoints().name(), config.kafkaProperties(), null)
                        .retire(manifest);
            }
            out.println("retired " + model + " v" + version + " (manifest and " + manifest.getChunks().size()
                    + " chunk(s))");
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CheckpointsCommand()).execute(args));
    }
}

package io.distill.cli.stack;

import io.distill.core.config.DistillConfig;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.SchemaContracts;
import io.distill.core.topics.TopicCatalogue;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.KafkaMode;
import io.distill.stack.StackOptions;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code distill stack}: a real Kafka broker (KRaft) and schema registry on this machine, with the catalogue's topics
 * created and the contracts registered. Writes a properties file that every other command accepts as {@code --config},
 * so the roles can be started one by one in other terminals.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Run a single-machine Kafka broker (KRaft) and schema registry until Ctrl-C.",
                "Other commands connect with --config <work-dir>/stack.properties."})
public final class StackCommand implements Callable<Integer> {

    @Option(names = "--work-dir", defaultValue = ".distill/stack", description = "Data directory (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Broker port, 0 = any free port (default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Registry port, 0 = any free port (default ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--kafka-mode", defaultValue = "IN_PROCESS",
            description = "IN_PROCESS or PROCESS (a separate broker JVM) (default ${DEFAULT-VALUE}).")
    KafkaMode kafkaMode;

    @Option(names = "--topic-prefix", defaultValue = TopicCatalogue.DEFAULT_PREFIX, description = "Topic prefix (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the data topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--topics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create the topics and register the schemas; --no-topics skips it (default true).")
    boolean createTopics;

    @Override
    public Integer call() throws Exception {
        StackOptions options = StackOptions.builder()
                .workDir(workDir.toAbsolutePath())
                .kafkaPort(kafkaPort)
                .registryPort(registryPort)
                .kafkaMode(kafkaMode)
                .build();
        EmbeddedStack stack = EmbeddedStack.start(options);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            closed.countDown();
        }, "stack-shutdown"));
        DistillConfig config = connection(stack, topicPrefix, partitions);
        if (createTopics) {
            prepare(stack, config);
        }
        Path properties = workDir.resolve("stack.properties");
        writeProperties(properties, config);
        System.out.println("kafka.bootstrap.servers=" + stack.bootstrapServers());
        System.out.println("registry.url=" + stack.registryUrl());
        System.out.println("Started in " + stack.startupTime().toMillis() + " ms. Connect other commands with --config "
                + properties + ". Ctrl-C stops.");
        closed.await();
        return 0;
    }

    /** The connection configuration of a running stack. */
    public static DistillConfig connection(EmbeddedStack stack, String topicPrefix, int partitions) {
        return DistillConfig.builder().overrides(Map.of(
                "kafka.bootstrap.servers", stack.bootstrapServers(),
                "registry.url", stack.registryUrl(),
                "topics.prefix", topicPrefix,
                "topics.partitions", Integer.toString(partitions))).build();
    }

    /** Creates the catalogue's topics and registers every contract with its compatibility rule. */
    public static TopicCatalogue prepare(EmbeddedStack stack, DistillConfig config) {
        TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
        try (Admin admin = stack.adminClient();
             RegistryClient registry = new HttpRegistryClient(config.registryClientConfig())) {
            catalogue.ensure(admin);
            SchemaContracts.register(registry, catalogue);
        }
        return catalogue;
    }

    static void writeProperties(Path file, DistillConfig config) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, List.of(
                "# written by distill stack",
                "kafka.bootstrap.servers=" + config.getString("kafka.bootstrap.servers"),
                "registry.url=" + config.getString("registry.url"),
                "topics.prefix=" + config.getString("topics.prefix"),
                "topics.partitions=" + config.getString("topics.partitions")));
    }
}

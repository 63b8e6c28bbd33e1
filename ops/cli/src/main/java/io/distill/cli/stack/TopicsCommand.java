package io.distill.cli.stack;

import io.distill.core.config.ConnectionOptions;
import io.distill.core.config.DistillConfig;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.topics.SchemaContracts;
import io.distill.core.topics.TopicCatalogue;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code distill topics create}: creates every topic of the catalogue and registers the contracts. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage the system's topics and schema subjects.",
        subcommands = TopicsCommand.Create.class)
public final class TopicsCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create the catalogue's topics (idempotent; refuses a data topic whose partition count",
                    "differs) and register every topic's value schema with its compatibility rule."})
    public static final class Create implements Callable<Integer> {

        @Mixin
        ConnectionOptions connection = new ConnectionOptions();

        @Override
        public Integer call() throws Exception {
            DistillConfig config = connection.config(ConnectionOptions.connectionDefaults(), Map.of());
            System.out.println(config.dump());
            TopicCatalogue catalogue = TopicCatalogue.fromConfig(config);
            try (Admin admin = Admin.create(config.kafkaProperties());
                 RegistryClient registry = new HttpRegistryClient(config.registryClientConfig())) {
                System.out.println(catalogue.ensure(admin));
                SchemaContracts.register(registry, catalogue)
                        .forEach((subject, id) -> System.out.println("registered " + subject + " id " + id));
            }
            return 0;
        }
    }
}

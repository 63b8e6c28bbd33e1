package io.distill.core.config;

import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Options every command that talks to a cluster shares (picocli mixin): the configuration file and the connection. Values are layered
 * defaults &lt; {@code --config} file &lt; environment ({@code DISTILL_*}) &lt; flags.
 */
public final class ConnectionOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (below environment and flags).")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOSTS",
            description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry base URL, Confluent API (registry.url).")
    String registryUrl;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX",
            description = "Prefix of every topic name (topics.prefix, default distill.).")
    String topicPrefix;

    /** The layered configuration with {@code flags} (non-null values only) on top. */
    public DistillConfig config(Map<String, String> defaults, Map<String, String> flags) {
        DistillConfig.Builder b = DistillConfig.builder().defaults(defaults);
        if (configFile != null) {
            b.propertiesFile(configFile);
        }
        b.systemEnvironment();
        Map<String, String> overrides = new HashMap<>();
        put(overrides, "kafka.bootstrap.servers", bootstrapServers);
        put(overrides, "registry.url", registryUrl);
        put(overrides, "topics.prefix", topicPrefix);
        flags.forEach((k, v) -> put(overrides, k, v));
        return b.overrides(overrides).build();
    }

    public static void put(Map<String, String> map, String key, Object value) {
        if (value != null) {
            map.put(key, value.toString());
        }
    }

    public static Map<String, String> connectionDefaults() {
        Map<String, String> d = new HashMap<>();
        d.put("kafka.bootstrap.servers", "127.0.0.1:9092");
        d.put("registry.url", "http://127.0.0.1:8081/apis/ccompat/v7");
        return d;
    }

    public static Topics topics(DistillConfig config) {
        return TopicCatalogue.fromConfig(config).topics(new HttpRegistryClient(config.registryClientConfig()),
                config.getBoolean("serde.auto.register", true));
    }
}

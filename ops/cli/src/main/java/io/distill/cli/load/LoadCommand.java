package io.distill.cli.load;

import io.distill.core.config.ConnectionOptions;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code distill load}: replays Fashion-MNIST as inference requests, with late ground truth for a fraction. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Replay a data set as InferenceRequests at a chosen rate, with GroundTruth labels arriving late",
                "for a fraction of them. Each pass over the data uses new request ids."})
public final class LoadCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--split", defaultValue = "train", description = "train or test (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--count", defaultValue = "60000", description = "Requests to send (default ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--rate", defaultValue = "500", description = "Requests per second, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--label-fraction", defaultValue = "0.05", description = "Share of requests that get ground truth (default ${DEFAULT-VALUE}).")
    double labelFraction;

    @Option(names = "--label-delay", defaultValue = "PT2S", description = "Delay of ground truth, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration labelDelay;

    @Option(names = "--run-id", description = "Prefix of request ids (default: a time stamp).")
    String runId;

    @Option(names = "--task", defaultValue = FashionMnist.LABEL_SPACE_ID, description = "Task of the requests (default ${DEFAULT-VALUE}).")
    String task;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new HashMap<>();
        DistillConfig config = connection.config(ConnectionOptions.connectionDefaults(), flags);
        System.out.println(config.dump());
        FashionMnist.Split data = "test".equals(split) ? FashionMnist.test() : FashionMnist.train();
        Topics topics = TopicCatalogue.fromConfig(config).topics(new HttpRegistryClient(config.registryClientConfig()), true);
        String id = runId != null ? runId : "load" + Long.toString(System.currentTimeMillis(), 36);
        try (RequestReplayer replayer = new RequestReplayer(config.kafkaProperties(), topics.requests(), topics.groundTruth())) {
            RequestReplayer.Stats stats = replayer.replay(data, new RequestReplayer.Settings(id, task, "distill-load",
                    rate, count, labelFraction, labelDelay));
            System.out.printf(Locale.ROOT, "requests: %d%nrequests_per_s: %.1f%n", stats.requests(), stats.requestsPerSecond());
        }
        return 0;
    }
}

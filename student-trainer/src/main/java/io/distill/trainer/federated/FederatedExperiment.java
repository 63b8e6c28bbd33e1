package io.distill.trainer.federated;

import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import io.distill.core.registry.HttpRegistryClient;
import io.distill.core.registry.RegistryClient;
import io.distill.core.softtarget.SoftTargets;
import io.distill.core.tensor.TensorCodec;
import io.distill.core.topics.TopicCatalogue;
import io.distill.core.topics.Topics;
import io.distill.schema.CheckpointManifest;
import io.distill.schema.ExampleKind;
import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.schema.TrainingExample;
import io.distill.serving.model.CheckpointLoader;
import io.distill.serving.model.CheckpointRefusedException;
import io.distill.serving.model.CoreNetworkRestorer;
import io.distill.serving.model.LoadedModel;
import io.distill.serving.model.ServingContract;
import io.distill.serving.model.StoreBlobSource;
import io.distill.trainer.config.Federation;
import io.distill.trainer.config.TrainerSettings;
import io.distill.trainer.data.SerdeExampleDecoder;
import io.distill.trainer.publish.LineageReader;
import io.distill.trainer.service.TrainerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The federated-distillation experiment on a real broker: Fashion-MNIST training images split between sites with a
 * label skew (the classes are dealt in blocks: with two sites, classes 0-4 belong to the first and 5-9 to the second;
 * a site holds {@code majority} of the images of its own classes and the other sites share the rest), labelled by a teacher, written to each site's examples and hold-out topics the way the topology routes
 * them; then the same student is trained per site twice, alone ({@code beta = 0}) and codistilled (each site also
 * distils from the other sites' published checkpoints), with the trainers of one arm running side by side; every
 * final student is scored on the whole test set. Also reports, per trainer, the topics its consumers were assigned
 * and the records it read from each, so that a caller can check that no example crossed sites.
 */
public final class FederatedExperiment {

    private static final Logger log = LoggerFactory.getLogger(FederatedExperiment.class);

    /**
     * Soft labels for a batch of images: natural-log probabilities at temperature 1, one row per image. A trained
     * teacher ignores {@code trueLabels}; tests without one use them to stand in for a teacher.
     */
    @FunctionalInterface
    public interface Labeller {
        float[][] logProbs(float[][] images, int[] trueLabels) throws Exception;
    }

    /** What one trainer did: its final test accuracy and what it read. */
    public record TrainerOutcome(String model, String site, double beta, long version, double testAccuracy,
                                 long samples, Set<String> assignedTopics, Map<String, Long> recordsByTopic,
                                 Map<String, Long> peerVersionsAtEnd, long unlabelledSamples, long deadLettered) {
    }

    /**
     * Every trainer's outcome, and how many example records each site's topics hold (train and hold-out), of which
     * how many training records carry supervision (teacher target and/or hard label; repeated passes included).
     */
    public record Result(List<TrainerOutcome> trainers, Map<String, Integer> examplesPerSite,
                         Map<String, Integer> holdoutPerSite, Map<String, double[]> classShares,
                         TopicCatalogue catalogue, Map<String, Integer> supervisedPerSite) {

        public TrainerOutcome of(String model) {
            return trainers.stream().filter(t -> t.model().equals(model)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no trainer " + model));
        }
    }

    private final Map<String, String> kafkaAndRegistry;
    private final String prefix;
    private final List<String> sites;
    private final double majority;
    private final double holdoutFraction;
    private final double teacherFraction;
    private final double labelFraction;
    private final double supervisedFraction;
    private final int supervisedPasses;
    private final Map<String, String> trainerSettings;
    private final long seed;

    /**
     * @param bootstrapServers the broker
     * @param registryUrl the schema registry
     * @param prefix topic prefix of this run (its topics are created)
     * @param sites site ids; classes are dealt to them in blocks (class c belongs to site c * n / 10)
     * @param majority share of a class's images its own site holds (the rest is shared equally by the others)
     * @param holdoutFraction share of each site's images written to its hold-out topic
     * @param teacherFraction share of training examples the teacher labels (as with {@code
     *     teacher.sampling.fraction}: an expensive teacher answers a sample of the traffic)
     * @param labelFraction share of training examples with ground truth (hold-out examples always have it); an
     *     example with neither is not written (the topology filters it {@code NO_TEACHER})
     * @param trainerSettings trainer.* keys for every trainer (architecture, batch, samples, publishing...)
     */
    public FederatedExperiment(String bootstrapServers, String registryUrl, String prefix, List<String> sites,
                               double majority, double holdoutFraction, double teacherFraction, double labelFraction,
                               Map<String, String> trainerSettings, long seed) {
        this(bootstrapServers, registryUrl, prefix, sites, majority, holdoutFraction, 1.0, 1, teacherFraction,
                labelFraction, trainerSettings, seed);
    }

    /**
     * An experiment where only part of each site's traffic carries any supervision.
     *
     * @param supervisedFraction share of training examples that may carry supervision (then {@code teacherFraction}
     *     and {@code labelFraction} apply to them); the others are written with neither a teacher target nor a hard
     *     label, as unlabelled examples: a trainer refuses them unless it codistills with
     *     {@code trainer.codistill.unlabelled=use}, when they are peer-only samples
     * @param supervisedPasses how often each supervised example is written (in passes over the site's examples,
     *     each unlabelled example in one of them), so that a trainer that can use only the supervised ones still
     *     trains on them for as many passes as it likes; 1 = once
     */
    public FederatedExperiment(String bootstrapServers, String registryUrl, String prefix, List<String> sites,
                               double majority, double holdoutFraction, double supervisedFraction,
                               int supervisedPasses, double teacherFraction, double labelFraction,
                               Map<String, String> trainerSettings, long seed) {
        if (!(supervisedFraction > 0 && supervisedFraction <= 1) || supervisedPasses < 1) {
            throw new IllegalArgumentException("supervised fraction must be in (0, 1] and passes >= 1, not "
                    + supervisedFraction + ", " + supervisedPasses);
        }
        this.supervisedFraction = supervisedFraction;
        this.supervisedPasses = supervisedPasses;
        this.teacherFraction = teacherFraction;
        this.labelFraction = labelFraction;
        this.kafkaAndRegistry = Map.of("kafka.bootstrap.servers", bootstrapServers, "registry.url", registryUrl);
        this.prefix = prefix;
        this.sites = List.copyOf(sites);
        this.majority = majority;
        this.holdoutFraction = holdoutFraction;
        this.trainerSettings = Map.copyOf(trainerSettings);
        this.seed = seed;
    }

    private DistillConfig config(Map<String, String> extra) {
        Map<String, String> c = new LinkedHashMap<>(TrainerSettings.DEFAULTS);
        c.putAll(kafkaAndRegistry);
        c.put("topics.prefix", prefix);
        c.put("topics.partitions", "2");
        c.put("topics.sites", String.join(",", sites));
        c.put("metrics.port", "-1");
        c.putAll(trainerSettings);
        c.putAll(extra);
        return DistillConfig.of(c);
    }

    /**
     * Runs everything.
     *
     * @param train training images to deal to the sites
     * @param test images every final student is scored on
     * @param teacher labels the training images
     * @param betas the arms to run, e.g. {@code alone=0, codistilled=1}: model name to beta
     */
    public Result run(FashionMnist.Split train, FashionMnist.Split test, Labeller teacher, Map<String, Double> betas)
            throws Exception {
        DistillConfig base = config(Map.of());
        TopicCatalogue catalogue = TopicCatalogue.fromConfig(base);
        try (Admin admin = Admin.create(base.kafkaProperties())) {
            catalogue.ensure(admin);
        }
        RegistryClient registry = new HttpRegistryClient(base.registryClientConfig());
        Topics topics = catalogue.topics(registry, true);
        Map<String, Integer> examples = new LinkedHashMap<>();
        Map<String, Integer> holdout = new LinkedHashMap<>();
        Map<String, double[]> shares = new LinkedHashMap<>();
        Map<String, Integer> supervised = new LinkedHashMap<>();
        write(train, teacher, topics, base, examples, holdout, shares, supervised);

        List<TrainerOutcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, Double> arm : betas.entrySet()) {
            outcomes.addAll(runArm(arm.getKey(), arm.getValue(), topics, registry, test, examples, supervised));
        }
        return new Result(outcomes, examples, holdout, shares, catalogue, supervised);
    }

    /**
     * Deals the images to the sites with the label skew and writes them, labelled, to the per-site topics: in
     * {@code supervisedPasses} passes over the images, each supervised training example in every pass, each
     * unlabelled one in one pass drawn at random, each hold-out example once.
     */
    private void write(FashionMnist.Split train, Labeller teacher, Topics topics, DistillConfig config,
                       Map<String, Integer> examples, Map<String, Integer> holdout, Map<String, double[]> shares,
                       Map<String, Integer> supervised) throws Exception {
        Random random = new Random(seed);
        int n = sites.size();
        LabelSpace space = LabelSpace.newBuilder().setId(FashionMnist.LABEL_SPACE_ID)
                .setVersion(FashionMnist.LABEL_SPACE_VERSION).setClassNames(FashionMnist.CLASS_NAMES).build();
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put("linger.ms", 20);
        props.put("max.in.flight.requests.per.connection", 1);
        int size = train.size();
        int[] siteOf = new int[size];
        for (int i = 0; i < size; i++) {
            int home = train.labels()[i] * n / FashionMnist.CLASS_NAMES.size();
            int site = home;
            if (n > 1 && random.nextDouble() >= majority) {
                site = (home + 1 + random.nextInt(n - 1)) % n;
            }
            siteOf[i] = site;
        }
        // What each image carries: hold-out (always teacher and label), else teacher and/or label, or nothing.
        boolean[] isHoldout = new boolean[size];
        boolean[] taught = new boolean[size];
        boolean[] labelled = new boolean[size];
        int[] unlabelledPass = new int[size];
        for (int i = 0; i < size; i++) {
            isHoldout[i] = random.nextDouble() < holdoutFraction;
            boolean supervisable = isHoldout[i] || supervisedFraction >= 1 || random.nextDouble() < supervisedFraction;
            taught[i] = isHoldout[i] || (supervisable && random.nextDouble() < teacherFraction);
            labelled[i] = isHoldout[i] || (supervisable && random.nextDouble() < labelFraction);
            // A supervisable example given neither is not written (the topology filters it NO_TEACHER); one never
            // supervisable is written as an unlabelled example.
            unlabelledPass[i] = supervisable ? -1 : random.nextInt(supervisedPasses);
        }
        float[][] logProbs = new float[size][];
        int batch = 512;
        for (int from = 0; from < size; from += batch) {
            int b = Math.min(batch, size - from);
            float[][] images = new float[b][];
            int[] labels = new int[b];
            for (int i = 0; i < b; i++) {
                images[i] = train.images()[from + i];
                labels[i] = train.labels()[from + i];
            }
            float[][] out = teacher.logProbs(images, labels);
            System.arraycopy(out, 0, logProbs, from, b);
        }
        sites.forEach(s -> {
            examples.put(s, 0);
            holdout.put(s, 0);
            supervised.put(s, 0);
            shares.put(s, new double[FashionMnist.CLASS_NAMES.size()]);
        });
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int pass = 0; pass < supervisedPasses; pass++) {
                for (int index = 0; index < size; index++) {
                    boolean unlabelled = unlabelledPass[index] >= 0;
                    boolean write = unlabelled ? unlabelledPass[index] == pass
                            : (taught[index] || labelled[index]) && (!isHoldout[index] || pass == 0);
                    if (!write) {
                        continue;
                    }
                    String site = sites.get(siteOf[index]);
                    String id = "img-" + index;
                    double[] target = new double[logProbs[index].length];
                    for (int c = 0; c < target.length; c++) {
                        target[c] = logProbs[index][c];
                    }
                    int label = train.labels()[index];
                    TrainingExample example = TrainingExample.newBuilder()
                            .setRequestId(id).setKind(ExampleKind.EXAMPLE).setSampleKey(id)
                            .setSplit(isHoldout[index] ? Split.HOLDOUT : Split.TRAIN).setTask("fashion-mnist")
                            .setEventTime(Instant.now()).setInput(TensorCodec.encode(train.images()[index], 784))
                            .setTarget(taught[index] ? SoftTargets.dense(target) : null)
                            .setHardLabel(labelled[index] ? label : null)
                            .setLabelSpace(space).setWeight(1f).setMetadata(Map.of("site", site))
                            .build();
                    String topic = isHoldout[index] ? topics.siteHoldout(site).name()
                            : topics.siteExamples(site).name();
                    producer.send(new ProducerRecord<>(topic, id.getBytes(),
                            topics.siteExamples(site).serializeValue(example)));
                    (isHoldout[index] ? holdout : examples).merge(site, 1, Integer::sum);
                    if (!isHoldout[index] && !unlabelled) {
                        supervised.merge(site, 1, Integer::sum);
                    }
                    if (!isHoldout[index] && (pass == 0 || unlabelled)) {
                        shares.get(site)[label] += 1;
                    }
                }
            }
            producer.flush();
        }
        for (String s : sites) {
            double[] share = shares.get(s);
            double total = 0;
            for (double v : share) {
                total += v;
            }
            for (int c = 0; c < share.length; c++) {
                share[c] /= Math.max(1, total);
            }
        }
        log.info("wrote {} training records ({} with supervision, {} passes) and {} hold-out examples per site",
                examples, supervised, supervisedPasses, holdout);
    }

    /** One arm: a trainer per site, all at once, until each has trained its samples; then scores each. */
    private List<TrainerOutcome> runArm(String model, double beta, Topics topics, RegistryClient registry,
                                        FashionMnist.Split test, Map<String, Integer> examples,
                                        Map<String, Integer> supervised) throws Exception {
        List<TrainerService> services = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<TrainerOutcome> out = new ArrayList<>();
        try {
            for (String site : sites) {
                // A stream has no epochs: each fresh example is trained once, topped up with replayed ones, so a
                // trainer stops a little before it has trained every example of its site (the same for both arms).
                // A trainer that refuses unlabelled examples trains only on the supervised ones.
                double ratio = config(Map.of()).getDouble("trainer.replay.ratio", 0.25);
                DistillConfig probe = config(Map.of("trainer.model", model, "trainer.site", site,
                        "trainer.codistill.beta", Double.toString(beta)));
                boolean usesUnlabelled = TrainerSettings.fromConfig(probe).federation().usesUnlabelled();
                int usable = usesUnlabelled ? examples.get(site) : supervised.get(site);
                long samples = (long) (usable * (1 + ratio) * 0.97);
                DistillConfig c = config(Map.of("trainer.model", model, "trainer.site", site,
                        "trainer.codistill.beta", Double.toString(beta), "trainer.max.samples", Long.toString(samples)));
                TrainerService service = new TrainerService(TrainerSettings.fromConfig(c), topics, c.kafkaProperties(),
                        new SerdeExampleDecoder(registry), new SimpleMeterRegistry(), c.configHash(), "experiment");
                service.start();
                services.add(service);
            }
            for (int i = 0; i < services.size(); i++) {
                Thread t = new Thread(services.get(i), "trainer-" + model + "-" + sites.get(i));
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            for (int i = 0; i < sites.size(); i++) {
                TrainerService s = services.get(i);
                String name = Federation.modelOf(model, sites.get(i));
                CheckpointManifest newest = new LineageReader(config(Map.of()).kafkaProperties(),
                        topics.checkpoints().name(), topics.checkpoints().valueDeserializer(), Duration.ofSeconds(30))
                        .read(name).newest().orElseThrow(() -> new IllegalStateException(name + " published nothing"));
                double accuracy = accuracy(newest, topics, test);
                out.add(new TrainerOutcome(name, sites.get(i), beta, newest.getVersion(), accuracy, s.samplesSeen(),
                        s.assignedTopics(), s.recordsByTopic(), s.peerVersions(), s.unlabelledSamples(),
                        s.deadLettered()));
                log.info("{}: v{} test accuracy {} ({} samples, {} peer-only examples kept, {} dead-lettered; read {};"
                        + " peers {})", name, newest.getVersion(), String.format("%.4f", accuracy), s.samplesSeen(),
                        s.unlabelledSamples(), s.deadLettered(), s.recordsByTopic(), s.peerVersions());
            }
        } finally {
            services.forEach(TrainerService::close);
        }
        return out;
    }

    /** Accuracy of a published version on the test images, loaded as a student server loads it. */
    private double accuracy(CheckpointManifest manifest, Topics topics, FashionMnist.Split test)
            throws CheckpointRefusedException {
        Map<String, Object> props = new HashMap<>(config(Map.of()).kafkaProperties());
        props.putAll(topics.catalogue().blobConsumerOverrides());
        ServingContract contract = new ServingContract(FashionMnist.LABEL_SPACE_ID, FashionMnist.LABEL_SPACE_VERSION,
                FashionMnist.CLASS_NAMES, new int[]{784});
        try (StoreBlobSource blobs = new StoreBlobSource(props)) {
            LoadedModel model = new CheckpointLoader(contract, blobs, new CoreNetworkRestorer(ai.djl.Device.cpu()))
                    .load(manifest);
            try {
                int correct = 0;
                int batch = 500;
                for (int from = 0; from < test.size(); from += batch) {
                    int b = Math.min(batch, test.size() - from);
                    float[][] x = new float[b][];
                    for (int i = 0; i < b; i++) {
                        x[i] = test.images()[from + i];
                    }
                    float[][] p = model.predict(x);
                    for (int i = 0; i < b; i++) {
                        int best = 0;
                        for (int c = 1; c < p[i].length; c++) {
                            if (p[i][c] > p[i][best]) {
                                best = c;
                            }
                        }
                        if (best == test.labels()[from + i]) {
                            correct++;
                        }
                    }
                }
                return correct / (double) test.size();
            } finally {
                model.discard();
            }
        }
    }
}

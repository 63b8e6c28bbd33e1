package io.distill.cli.soak;

import io.distill.cli.faults.LocalPipeline;
import io.distill.cli.faults.PipelineRole;
import io.distill.cli.load.RequestReplayer;
import io.distill.core.config.DistillConfig;
import io.distill.core.dataset.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code distill bench soak}: the pipeline (broker process, teacher-service, topology, trainer as separate JVMs)
 * under a steady Fashion-MNIST load for a set duration, sampling every process's RSS and heap into a CSV file. After
 * the warm-up it fits a least-squares line to each role's RSS and fails when the trainer's slope exceeds the bound.
 *
 * <p>The default bound, 2 MB/min, is 120 MB/h: a leak at that rate would fill a 1 GiB allowance above the trainer's
 * settled size within a working day, which a 30-minute soak must catch; the trainer's heap is capped (-Xmx) and its
 * native memory (PyTorch) is what a leak would grow; a healthy trainer's RSS moves by tens of MB either way after the
 * warm-up as direct buffers await collection and the allocator returns pages, without a trend.
 *
 * <p>The heap's share of the RSS is not its use but the pages the collector has touched, which with the serial
 * collector keep growing long after the warm-up, up to -Xmx, as the old generation fills towards its first full
 * collection. So the trainer starts with its heap committed and touched at once (-Xms = -Xmx, AlwaysPreTouch): the
 * heap then adds a constant to the RSS and the slope measures what grows outside it.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Run the pipeline under steady load and record each process's RSS and heap over time;",
                "fail when the trainer's RSS grows faster than the bound after the warm-up. Prints 'name: value' lines."})
public final class SoakBenchmark implements Callable<Integer> {

    private static final double MB = 1024.0 * 1024.0;

    @Option(names = "--duration", defaultValue = "30m", description = "How long to run, e.g. 90s, 30m, 2h (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warmup", defaultValue = "5m", description = "Samples before this are left out of the fit (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--interval", defaultValue = "10s", description = "Sampling interval (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--rate", defaultValue = "40", description = "Requests per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--max-trainer-slope", defaultValue = "2.0", description = "Bound on the trainer's RSS slope after the warm-up, MB/min (default ${DEFAULT-VALUE}).")
    double maxTrainerSlope;

    @Option(names = "--trainer-heap-pretouch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Start the trainer with its whole heap committed and touched (-Xms = -Xmx, -XX:+AlwaysPreTouch), so that its RSS does not grow as the collector first touches committed heap pages and RSS growth is memory outside the heap (default ${DEFAULT-VALUE}).")
    boolean trainerHeapPretouch;

    @Option(names = "--native-memory-tracking", description = "Start the trainer with -XX:NativeMemoryTracking=summary, take a baseline at the end of the warm-up and write the change by category to <work-dir>/trainer-native-memory.txt at the end.")
    boolean nativeMemoryTracking;

    @Option(names = "--csv", description = "Where the samples go (default <work-dir>/memory.csv).")
    Path csv;

    @Option(names = "--work-dir", defaultValue = ".distill/soak", description = "Run directory: stack data, role configuration and logs (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--teachers-dir", defaultValue = ".distill/teachers", description = "Where the tiny teacher is trained and reused (default ${DEFAULT-VALUE}).")
    Path teachersDir;

    @Override
    public Integer call() throws Exception {
        Duration total = parse("--duration", duration);
        Duration warm = parse("--warmup", warmup);
        Duration every = parse("--interval", interval);
        if (warm.compareTo(total) >= 0) {
            throw new IllegalArgumentException("--warmup must be shorter than --duration");
        }
        Path dir = workDir.toAbsolutePath();
        Path csvFile = csv != null ? csv.toAbsolutePath() : dir.resolve("memory.csv");
        System.out.printf(Locale.ROOT, "Soak: %s at %.0f requests/s, sampling every %s into %s; warm-up %s%n",
                total, rate, every, csvFile, warm);
        System.out.println("trainer heap pretouch: " + trainerHeapPretouch);
        List<MemorySample> samples = new ArrayList<>();
        long sent;
        LoadAverage load = new LoadAverage();
        String nmtTotal = null;
        try (LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Settings(dir, teachersDir.toAbsolutePath(),
                3, 5000, false, false, trainerJvmOptions()));
             RequestReplayer replayer = new RequestReplayer(pipeline.clientProperties(), pipeline.topics().requests(),
                     pipeline.topics().groundTruth())) {
            MemorySampler sampler = new MemorySampler(csvFile);
            FashionMnist.Split train = FashionMnist.train();
            CompletableFuture<RequestReplayer.Stats> replay = CompletableFuture.supplyAsync(() -> replayer.replay(train,
                    new RequestReplayer.Settings("soak" + Long.toString(System.currentTimeMillis(), 36),
                            FashionMnist.LABEL_SPACE_ID, "distill-soak", rate, Long.MAX_VALUE, 0.05, Duration.ofSeconds(2))));
            long start = System.nanoTime();
            long next = start;
            boolean baselineTaken = !nativeMemoryTracking;
            while (System.nanoTime() - start < total.toNanos()) {
                for (PipelineRole role : pipeline.roles().values()) {
                    if (!role.isAlive()) {
                        throw new IllegalStateException(role.name() + " exited during the soak; last lines of "
                                + role.logFile() + ":\n" + role.logTail(30));
                    }
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (!baselineTaken && elapsed >= warm.toSeconds()) {
                    baselineTaken = NativeMemoryTracking.baseline(pipeline.role(LocalPipeline.TRAINER).pid());
                }
                List<MemorySample> round = sampler.sample(elapsed, targets(pipeline));
                samples.addAll(round);
                load.sample();
                System.out.println(progressLine(elapsed, replayer.requestsSent(), round));
                next += every.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            replayer.stop();
            replay.get(2, TimeUnit.MINUTES);
            sent = replayer.requestsSent();
            if (nativeMemoryTracking) {
                Path nmt = dir.resolve("trainer-native-memory.txt");
                nmtTotal = NativeMemoryTracking.diff(pipeline.role(LocalPipeline.TRAINER).pid(), nmt)
                        .map(line -> line + " (" + nmt + ")").orElse("-");
            }
            pipeline.stopRoles();
        }
        if (nmtTotal != null) {
            System.out.println("trainer native memory tracking since warm-up: " + nmtTotal);
        }
        System.out.printf(Locale.ROOT, "load average mean: %.2f%n", load.mean());
        System.out.printf(Locale.ROOT, "load average max: %.2f%n", load.max());
        return report(samples, warm, sent, csvFile);
    }

    private List<String> trainerJvmOptions() {
        List<String> options = new ArrayList<>();
        if (trainerHeapPretouch) {
            options.add("-Xms" + LocalPipeline.TRAINER_HEAP);
            options.add("-XX:+AlwaysPreTouch");
        }
        if (nativeMemoryTracking) {
            options.add(NativeMemoryTracking.JVM_OPTION);
        }
        return options;
    }

    private static String progressLine(double elapsed, long requests, List<MemorySample> round) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%5.0fs] requests %,d", elapsed, requests));
        for (MemorySample s : round) {
            line.append(String.format(Locale.ROOT, " | %s rss %.0f MB", s.role(), s.rssBytes() / MB));
            if (s.heapBytes() >= 0) {
                line.append(String.format(Locale.ROOT, " heap %.0f/%.0f MB", s.heapBytes() / MB,
                        s.heapCommittedBytes() / MB));
            }
            if (s.nativeArrays() >= 0) {
                line.append(" arrays ").append(s.nativeArrays());
            }
        }
        return line.toString();
    }

    private int report(List<MemorySample> samples, Duration warm, long sent, Path csvFile) {
        System.out.println("requests sent: " + sent);
        System.out.println("samples: " + samples.size());
        System.out.println("csv: " + csvFile);
        System.out.println("warm-up s: " + warm.toSeconds());
        MemoryTrend trainer = null;
        for (String role : samples.stream().map(MemorySample::role).distinct().toList()) {
            MemoryTrend t = MemoryTrend.of(role, samples, warm.toSeconds());
            if (t == null) {
                System.out.println(role + " rss slope MB/min: -");
                continue;
            }
            System.out.printf(Locale.ROOT, "%s rss slope MB/min: %.3f%n", role, t.rssSlopeMbPerMinute());
            System.out.printf(Locale.ROOT, "%s rss start MB: %.1f%n", role, t.startRssBytes() / MB);
            System.out.printf(Locale.ROOT, "%s rss end MB: %.1f%n", role, t.endRssBytes() / MB);
            if (t.startHeapBytes() >= 0) {
                System.out.printf(Locale.ROOT, "%s heap start MB: %.1f%n", role, t.startHeapBytes() / MB);
                System.out.printf(Locale.ROOT, "%s heap end MB: %.1f%n", role, t.endHeapBytes() / MB);
            }
            if (t.first().heapCommittedBytes() >= 0) {
                System.out.printf(Locale.ROOT, "%s heap committed start MB: %.1f%n", role, t.first().heapCommittedBytes() / MB);
                System.out.printf(Locale.ROOT, "%s heap committed end MB: %.1f%n", role, t.last().heapCommittedBytes() / MB);
                System.out.printf(Locale.ROOT, "%s non-heap committed start MB: %.1f%n", role, t.first().nonHeapCommittedBytes() / MB);
                System.out.printf(Locale.ROOT, "%s non-heap committed end MB: %.1f%n", role, t.last().nonHeapCommittedBytes() / MB);
                System.out.printf(Locale.ROOT, "%s direct buffers end MB: %.1f%n", role, t.last().directBytes() / MB);
                System.out.printf(Locale.ROOT, "%s rss less committed heap slope MB/min: %.3f%n", role,
                        t.outsideHeapSlopeMbPerMinute());
            }
            if (t.first().nativeArrays() >= 0) {
                System.out.printf(Locale.ROOT, "%s native arrays start: %d%n", role, t.first().nativeArrays());
                System.out.printf(Locale.ROOT, "%s native arrays end: %d%n", role, t.last().nativeArrays());
            }
            if (role.equals(LocalPipeline.TRAINER)) {
                trainer = t;
            }
        }
        System.out.printf(Locale.ROOT, "trainer rss slope bound MB/min: %.3f%n", maxTrainerSlope);
        boolean within = trainer != null && trainer.rssSlopeMbPerMinute() < maxTrainerSlope;
        System.out.println("trainer rss slope within bound: " + within);
        return within ? 0 : 1;
    }

    private static List<MemorySampler.Target> targets(LocalPipeline pipeline) {
        List<MemorySampler.Target> targets = new ArrayList<>();
        for (PipelineRole role : pipeline.roles().values()) {
            targets.add(new MemorySampler.Target(role.name(), role.pid(),
                    "http://127.0.0.1:" + role.metricsPort() + "/metrics"));
        }
        pipeline.stack().kafka().pid().ifPresent(pid -> targets.add(new MemorySampler.Target("broker", pid, null)));
        return targets;
    }

    private static Duration parse(String option, String value) {
        try {
            return DistillConfig.of(java.util.Map.of(option, value)).getDuration(option);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + ": not a duration (e.g. 90s, 30m, 2h): " + value, e);
        }
    }
}

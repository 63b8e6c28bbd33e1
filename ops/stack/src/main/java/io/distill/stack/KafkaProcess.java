package io.distill.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one KRaft broker (combined with its controller) in this JVM until it is told to stop. {@link EmbeddedKafka}
 * starts it as a child process in {@link KafkaMode#PROCESS}; it can also be run by hand:
 *
 * <pre>
 * java -Xmx512m -cp ... io.distill.stack.KafkaProcess [--exit-on-stdin-eof] [--feature name=level ...]
 *     server.properties [ready-file]
 * </pre>
 *
 * The storage is formatted on the first start, with the given feature levels (e.g. {@code transaction.version=1}). Once the broker serves requests, the ready file (if given) is
 * written with this process's id. SIGTERM shuts the broker down cleanly; with {@code --exit-on-stdin-eof} the
 * process also ends when its standard input closes, i.e. when the parent that started it has died.
 */
public final class KafkaProcess {

    /** Printed on standard error, followed by the reason, when the broker cannot start. */
    static final String FAILED_MARKER = "KAFKA_PROCESS_FAILED: ";

    private KafkaProcess() {
    }

    public static void main(String[] args) {
        boolean exitOnStdinEof = false;
        List<String> positional = new ArrayList<>();
        List<String> features = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--exit-on-stdin-eof")) {
                exitOnStdinEof = true;
            } else if (arg.equals("--feature") && i + 1 < args.length) {
                features.add(args[++i]);
            } else {
                positional.add(arg);
            }
        }
        if (positional.isEmpty() || positional.size() > 2) {
            System.err.println("Usage: KafkaProcess [--exit-on-stdin-eof] [--feature name=level ...] server.properties"
                    + " [ready-file]");
            System.exit(2);
        }
        Path config = Path.of(positional.get(0));
        Path readyFile = positional.size() > 1 ? Path.of(positional.get(1)) : null;

        KafkaBroker broker;
        try {
            broker = KafkaBroker.start(config, features);
        } catch (Throwable e) {
            System.err.println(FAILED_MARKER + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.shutdown();
            } finally {
                stopped.countDown();
            }
        }, "kafka-process-shutdown"));

        if (readyFile != null) {
            writeReady(readyFile);
        }
        System.out.println("Kafka broker ready (" + config + "), pid " + ProcessHandle.current().pid());
        System.out.flush();

        if (exitOnStdinEof) {
            Thread watchdog = new Thread(KafkaProcess::exitWhenStdinCloses, "kafka-process-parent-watch");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeReady(Path readyFile) {
        try {
            Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println(FAILED_MARKER + "cannot write " + readyFile + ": " + e);
            System.exit(1);
        }
    }

    private static void exitWhenStdinCloses() {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // the parent writes nothing; keep reading until the pipe closes
            }
        } catch (IOException e) {
            // a broken pipe means the same as end of input
        }
        System.out.println("Standard input closed (stopped by the parent, or the parent is gone): stopping the broker");
        System.exit(0);
    }
}

package io.distill.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the embedded stack, prints where it listens and runs until Ctrl-C or SIGTERM.
 *
 * <pre>
 * java -Xmx1g -cp ... io.distill.stack.StackMain [--work-dir DIR] [--kafka-port N] [--controller-port N]
 *      [--registry-port N] [--kafka-mode in-process|process] [--no-registry] [--broker-property KEY=VALUE]...
 *      [--start-timeout SECONDS]
 * </pre>
 *
 * Standard output gets two lines, {@code bootstrap.servers=...} and {@code registry.url=...}, once both serve
 * requests. Exit code 0 after a clean shutdown, 1 when the stack cannot start, 2 for bad arguments.
 */
public final class StackMain {

    private StackMain() {
    }

    public static void main(String[] args) {
        StackOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("distill stack: " + e.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        if (options == null) {
            usage(System.out);
            return;
        }
        EmbeddedStack stack;
        try {
            stack = EmbeddedStack.start(options);
        } catch (RuntimeException e) {
            System.err.println("distill stack: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the stack");
            try {
                stack.close();
            } finally {
                closed.countDown();
            }
        }, "stack-main-shutdown"));

        System.out.println("bootstrap.servers=" + stack.bootstrapServers());
        System.out.println("registry.url=" + (stack.hasRegistry() ? stack.registryUrl() : ""));
        System.out.println("work.dir=" + stack.workDir());
        System.out.println("Started in " + stack.startupTime().toMillis() + " ms; press Ctrl-C to stop");
        System.out.flush();
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The options the arguments ask for, or null when they ask for help. */
    static StackOptions parse(String[] args) {
        StackOptions.Builder b = StackOptions.builder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--no-registry" -> b.registryEnabled(false);
                case "--work-dir" -> b.workDir(Path.of(value != null ? value : next(args, ++i, arg)));
                case "--kafka-port" -> b.kafkaPort(intValue(value != null ? value : next(args, ++i, arg), arg));
                case "--controller-port" -> b.controllerPort(intValue(value != null ? value : next(args, ++i, arg), arg));
                case "--registry-port" -> b.registryPort(intValue(value != null ? value : next(args, ++i, arg), arg));
                case "--start-timeout" -> b.startTimeout(
                        Duration.ofSeconds(intValue(value != null ? value : next(args, ++i, arg), arg)));
                case "--kafka-mode" -> {
                    String mode = (value != null ? value : next(args, ++i, arg)).toUpperCase(Locale.ROOT).replace('-', '_');
                    try {
                        b.kafkaMode(KafkaMode.valueOf(mode));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--kafka-mode must be in-process or process");
                    }
                }
                case "--broker-property" -> {
                    String kv = value != null ? value : next(args, ++i, arg);
                    int j = kv.indexOf('=');
                    if (j <= 0) {
                        throw new IllegalArgumentException("--broker-property needs KEY=VALUE, got " + kv);
                    }
                    b.brokerProperty(kv.substring(0, j), kv.substring(j + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        return b.build();
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String s, String option) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got " + s);
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: distill stack [--work-dir DIR] [--kafka-port N] [--controller-port N] [--registry-port N]");
        out.println("                     [--kafka-mode in-process|process] [--no-registry]");
        out.println("                     [--broker-property KEY=VALUE]... [--start-timeout SECONDS]");
    }
}

package io.distill.stack;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible schema registry (Apicurio Registry 2.4, built by {@code ops/registry-app}) in a child JVM,
 * bound to 127.0.0.1. Its H2 database is a file under its directory, so schema ids survive {@link #restart()}; the
 * port is kept too. Layout under its directory: {@code registry.mv.db}, {@code registry.log}, {@code registry.pid}.
 *
 * <p>The process is stopped by {@link #stop()} and {@link #close()}, and by a JVM shutdown hook if the caller
 * forgets.
 */
public final class RegistryProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryProcess.class);

    /** System property naming the registry runner jar. */
    public static final String JAR_PROPERTY = "distill.registry.jar";
    /** Environment variable naming the registry runner jar. */
    public static final String JAR_ENV = "DISTILL_REGISTRY_JAR";
    /** System property naming the root of the source tree (the directory holding {@code mvnw}). */
    public static final String ROOT_PROPERTY = "distill.root";
    /** Where the runner jar is built, relative to the source tree root. */
    public static final String JAR_DIR = "ops/registry-app/target";
    static final String BUILD_HINT = "build it with ./mvnw -f ops/registry-app/pom.xml package -DskipTests";

    /** The Confluent-compatible API, relative to the server root. */
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final StackOptions options;
    private final Path dir;
    private final Path jar;
    private final boolean deleteDirOnClose;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int port;
    /** The jar actually run: a cached copy of {@link #jar} when class data sharing is on. */
    private Path runJar;
    private volatile Process process;
    /** Where the running registry JVM writes a class data sharing archive at exit, if it does. */
    private volatile Path archiveDump;
    private Thread shutdownHook;
    private boolean closed;

    /**
     * A registry that keeps its database and log under {@code dir} (created if needed) and is not started yet. The
     * runner jar is located now, so a missing jar fails here.
     */
    public RegistryProcess(StackOptions options, Path dir) {
        this(options, dir, false);
    }

    private RegistryProcess(StackOptions options, Path dir, boolean deleteDirOnClose) {
        this.options = options;
        this.dir = dir.toAbsolutePath().normalize();
        this.jar = options.registryJar().map(RegistryProcess::requireJar).orElseGet(RegistryProcess::locateRunnerJar);
        this.port = options.registryPort();
        this.deleteDirOnClose = deleteDirOnClose;
    }

    /**
     * Starts a registry on its own: under {@code <workDir>/registry} when the options name a work directory, else
     * in a temporary directory that {@link #close()} deletes.
     */
    public static RegistryProcess start(StackOptions options) {
        RegistryProcess registry;
        if (options.workDir().isPresent()) {
            registry = new RegistryProcess(options, options.workDir().get().resolve("registry"),
                    options.deleteWorkDirOnClose());
        } else {
            registry = new RegistryProcess(options, EmbeddedKafka.newTempDir("distill-registry-"), true);
        }
        try {
            return registry.start();
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /**
     * The registry runner jar: system property {@value #JAR_PROPERTY}, else environment variable
     * {@value #JAR_ENV}, else {@code <root>/ops/registry-app/target/distill-registry-app-*-runner.jar} where the
     * root is system property {@value #ROOT_PROPERTY} or the nearest directory holding {@code mvnw} at or above
     * the working directory.
     */
    public static Path locateRunnerJar() {
        String prop = System.getProperty(JAR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return requireJar(Path.of(prop));
        }
        String env = System.getenv(JAR_ENV);
        if (env != null && !env.isBlank()) {
            return requireJar(Path.of(env));
        }
        Optional<Path> root = sourceRoot();
        if (root.isEmpty()) {
            throw new StackException("Schema registry runner jar not found: set -D" + JAR_PROPERTY + " or " + JAR_ENV
                    + ", or run from the Distill source tree (no " + ROOT_PROPERTY
                    + " property and no directory with mvnw above " + Path.of("").toAbsolutePath() + "); "
                    + BUILD_HINT);
        }
        Path target = root.get().resolve(JAR_DIR);
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(target, "distill-registry-app-*-runner.jar")) {
                s.forEach(candidates::add);
            } catch (IOException e) {
                throw new StackException("Cannot list " + target + ": " + e.getMessage(), e);
            }
        }
        if (candidates.isEmpty()) {
            throw new StackException("Schema registry runner jar not found in " + target + "; " + BUILD_HINT);
        }
        candidates.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(b).compareTo(Files.getLastModifiedTime(a));
            } catch (IOException e) {
                return 0;
            }
        });
        return requireLib(candidates.get(0));
    }

    /** {@value #ROOT_PROPERTY}, or the nearest directory holding {@code mvnw} at or above the working directory. */
    static Optional<Path> sourceRoot() {
        String root = System.getProperty(ROOT_PROPERTY);
        if (root != null && !root.isBlank()) {
            return Optional.of(Path.of(root).toAbsolutePath().normalize());
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw"))) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private static Path requireJar(Path jar) {
        Path abs = jar.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new StackException("Schema registry runner jar " + abs + " does not exist; " + BUILD_HINT);
        }
        return requireLib(abs);
    }

    private static Path requireLib(Path jar) {
        if (!Files.isDirectory(jar.resolveSibling("lib"))) {
            throw new StackException("Schema registry runner jar " + jar + " has no lib/ directory next to it; "
                    + BUILD_HINT);
        }
        return jar;
    }

    /** Starts the registry and returns once its Confluent-compatible API answers. Does nothing if it runs. */
    public synchronized RegistryProcess start() {
        if (closed) {
            throw new IllegalStateException("RegistryProcess is closed");
        }
        if (isRunning()) {
            return this;
        }
        long t0 = System.nanoTime();
        StackSupport.requireUsableDir(dir, "Schema registry directory");
        Path pidFile = dir.resolve("registry.pid");
        StackSupport.killStale(pidFile, jar.getFileName().toString());
        if (port == 0) {
            port = FreePorts.pick();
        } else {
            StackSupport.requirePortFree(port, "the schema registry");
        }
        Path log = logFile();
        List<String> cmd = new ArrayList<>();
        cmd.add(StackSupport.javaExecutable());
        cmd.add("-Xmx" + options.registryHeap());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dquarkus.http.host=" + StackSupport.HOST);
        if (runJar == null) {
            runJar = options.registryClassDataSharing() ? RegistryInstall.cachedCopy(jar).orElse(jar) : jar;
        }
        cmd.addAll(classDataSharingArgs());
        cmd.add("-jar");
        cmd.add(runJar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("HTTP_PORT", Integer.toString(port));
        env.put("REGISTRY_DATASOURCE_URL", "jdbc:h2:file:" + dir.resolve("registry"));
        env.put("REGISTRY_DATASOURCE_USERNAME", "sa");
        env.put("REGISTRY_DATASOURCE_PASSWORD", "sa");
        env.putAll(options.registryEnv());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new StackException("Cannot start the schema registry process: " + e.getMessage(), e);
        }
        StackSupport.writePidFile(pidFile, process.pid());
        installShutdownHook();
        awaitReady(log);
        LOG.info("Schema registry started in {} ms: {} (pid {}, log {})",
                (System.nanoTime() - t0) / 1_000_000, url(), process.pid(), log);
        return this;
    }

    /** The class data sharing archive of the jar that runs, for this JVM version, next to that jar. */
    Path classDataSharingArchive() {
        Path base = runJar != null ? runJar : jar;
        String name = base.getFileName().toString().replaceFirst("\\.jar$", "");
        String vm = System.getProperty("java.vm.version", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        return base.resolveSibling(name + "-jdk" + vm + ".jsa");
    }

    private List<String> classDataSharingArgs() {
        archiveDump = null;
        if (!options.registryClassDataSharing()) {
            return List.of();
        }
        Path archive = classDataSharingArchive();
        try {
            if (Files.isRegularFile(archive)
                    && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(runJar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
            }
        } catch (IOException e) {
            return List.of();
        }
        if (!Files.isWritable(archive.getParent())) {
            return List.of();
        }
        // No archive yet: this JVM records one when it exits; stopProcess() moves it in place after a clean stop.
        deleteStaleDumps(archive);
        archiveDump = archive.resolveSibling(archive.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime());
        return List.of("-XX:ArchiveClassesAtExit=" + archiveDump, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /** Deletes archives half written by registries whose parent JVM died more than an hour ago. */
    private static void deleteStaleDumps(Path archive) {
        String prefix = archive.getFileName() + ".tmp-";
        long cutoff = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(archive.getParent(), prefix + "*")) {
            for (Path dump : s) {
                if (Files.getLastModifiedTime(dump).toMillis() < cutoff) {
                    Files.deleteIfExists(dump);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not clean up {}: {}", archive.getParent(), e.toString());
        }
    }

    /** Keeps a class data sharing archive that the stopped registry JVM wrote, if it wrote a whole one. */
    private static void keepArchive(Process stopped, Path dump, Path archive) {
        if (dump == null) {
            return;
        }
        try {
            int rc = stopped.exitValue();
            // 143: ended by SIGTERM through the normal JVM exit path, which writes the archive.
            if ((rc == 0 || rc == 143) && Files.isRegularFile(dump) && Files.size(dump) > 0) {
                Files.move(dump, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("Schema registry class data sharing archive written: {}", archive);
            } else {
                Files.deleteIfExists(dump);
            }
        } catch (IOException | IllegalThreadStateException e) {
            LOG.debug("Class data sharing archive {} not kept: {}", dump, e.toString());
            try {
                Files.deleteIfExists(dump);
            } catch (IOException ignored) {
                // left for the next mvn clean
            }
        }
    }

    private void awaitReady(Path log) {
        URI probe = URI.create(url() + "/subjects");
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        while (true) {
            if (!process.isAlive()) {
                int rc = process.exitValue();
                stopProcess();
                throw new StackException("Schema registry process exited with code " + rc + " while starting; last lines of "
                        + log + ":" + System.lineSeparator() + StackSupport.tail(log, 30));
            }
            if (answers(probe)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                stopProcess();
                throw new StackException("Schema registry did not answer " + probe + " within "
                        + options.startTimeout().toSeconds() + " s; last lines of " + log + ":"
                        + System.lineSeparator() + StackSupport.tail(log, 30));
            }
            StackSupport.sleep(100);
        }
    }

    private boolean answers(URI uri) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while waiting for the schema registry", e);
        }
    }

    private void installShutdownHook() {
        if (shutdownHook == null) {
            shutdownHook = new Thread(() -> {
                Process p = process;
                if (p != null) {
                    StackSupport.terminate(p, Duration.ofSeconds(archiveDump != null ? 15 : 5));
                    keepArchive(p, archiveDump, classDataSharingArchive());
                }
            }, "registry-process-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
            shutdownHook = null;
        }
    }

    private void stopProcess() {
        Process p = process;
        if (p == null) {
            return;
        }
        // Writing the archive at exit takes a few seconds, half a minute on a busy machine.
        StackSupport.terminate(p, archiveDump != null ? STOP_GRACE.multipliedBy(4) : STOP_GRACE);
        keepArchive(p, archiveDump, classDataSharingArchive());
        archiveDump = null;
        process = null;
        try {
            Files.deleteIfExists(dir.resolve("registry.pid"));
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir.resolve("registry.pid"), e.toString());
        }
    }

    /** Stops the registry (SIGTERM, so the database is closed cleanly). The port and data stay for {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            long t0 = System.nanoTime();
            stopProcess();
            LOG.info("Schema registry stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** {@link #stop()} then {@link #start()}, on the same port with the same data. */
    public synchronized RegistryProcess restart() {
        stop();
        return start();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The Confluent-compatible base URL, {@code http://127.0.0.1:<port>/apis/ccompat/v7}. */
    public synchronized String url() {
        return baseUrl() + CCOMPAT_PATH;
    }

    /** The server root, {@code http://127.0.0.1:<port>}. */
    public synchronized String baseUrl() {
        if (port == 0) {
            throw new IllegalStateException("The schema registry has not been started yet");
        }
        return "http://" + StackSupport.HOST + ":" + port;
    }

    public synchronized int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path jar() {
        return jar;
    }

    public Path logFile() {
        return dir.resolve("registry.log");
    }

    /** Process id of the registry while it runs. */
    public synchronized OptionalLong pid() {
        return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    /** Stops the registry; deletes its directory if this instance created it as a temporary one. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            removeShutdownHook();
            if (deleteDirOnClose) {
                StackSupport.deleteRecursively(dir);
            }
        }
    }

    @Override
    public String toString() {
        return "RegistryProcess{port=" + port + ", " + dir + '}';
    }
}

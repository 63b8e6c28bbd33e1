package io.distill.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy of the registry runner jar and its {@code lib/} that stays put while {@code ops/registry-app} is rebuilt.
 *
 * <p>A class data sharing archive is only valid for the exact class path files it was made from (the JVM checks
 * their size and modification time), and every build of the registry module rewrites them, even unchanged. So the
 * registry runs from a copy keyed by content, under {@code <cache>/registry-app/<key>/}, and its archive lives next
 * to that copy. The cache is system property {@value #CACHE_PROPERTY}, else {@code <source root>/.cache}, else
 * {@code <tmpdir>/distill-cache}.
 *
 * <p>The key covers the names and sizes of the library jars and the names, sizes and CRCs of the runner jar's
 * entries, except that for what Quarkus generates at build time only the name counts: those bytes differ from build
 * to build of the same inputs (hash ordering). The generated code is a function of the other entries (the
 * application classes, {@code application.properties}, the module's {@code pom.xml}, which the jar carries) and of
 * the libraries, so the key still changes whenever the registry does.
 */
final class RegistryInstall {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryInstall.class);

    static final String CACHE_PROPERTY = "distill.cache.dir";
    private static final int KEEP = 2;

    private RegistryInstall() {
    }

    /** The cached copy of {@code runnerJar}, made now if needed; empty if no copy can be made. */
    static Optional<Path> cachedCopy(Path runnerJar) {
        try {
            Path root = cacheRoot().resolve("registry-app");
            Files.createDirectories(root);
            String key = contentKey(runnerJar);
            Path dir = root.resolve(key);
            Path jar = dir.resolve(runnerJar.getFileName());
            if (!Files.isRegularFile(dir.resolve(".complete"))) {
                copy(runnerJar, root, dir, key);
                prune(root, dir);
            }
            return Optional.of(jar);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot cache the schema registry jar ({}); running it from {}", e.toString(), runnerJar.getParent());
            return Optional.empty();
        }
    }

    static Path cacheRoot() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath();
        }
        return RegistryProcess.sourceRoot().map(r -> r.resolve(".cache"))
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "distill-cache"));
    }

    static String contentKey(Path runnerJar) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (ZipFile zip = new ZipFile(runnerJar.toFile())) {
            List<? extends ZipEntry> entries = zip.stream().sorted(Comparator.comparing(ZipEntry::getName)).toList();
            for (ZipEntry e : entries) {
                String line = isGenerated(e.getName()) ? e.getName()
                        : e.getName() + ':' + e.getCrc() + ':' + e.getSize();
                digest.update((line + '\n').getBytes(StandardCharsets.UTF_8));
            }
        }
        for (Path lib : libJars(runnerJar.resolveSibling("lib"))) {
            digest.update((lib.getFileName() + ":" + Files.size(lib) + '\n').getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 8);
    }

    /** Whether Quarkus writes this entry at build time, differently on each build. */
    static boolean isGenerated(String entry) {
        return GENERATED.matcher(entry).find();
    }

    private static final Pattern GENERATED = Pattern.compile(
            "^io/quarkus/|^META-INF/quarkus-|_(Bean|ClientProxy|Subclass|Observer|ProducerMethod|ProducerField)[^/]*\\.class$");

    private static List<Path> libJars(Path libDir) throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(libDir)) {
            s.forEach(jars::add);
        }
        jars.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return jars;
    }

    private static void copy(Path runnerJar, Path root, Path dir, String key) throws IOException {
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory(root, ".tmp-");
        try {
            Files.copy(runnerJar, tmp.resolve(runnerJar.getFileName()));
            Path lib = Files.createDirectories(tmp.resolve("lib"));
            for (Path jar : libJars(runnerJar.resolveSibling("lib"))) {
                Files.copy(jar, lib.resolve(jar.getFileName()));
            }
            // A jar being rebuilt while it was copied would leave a corrupt copy marked complete, used for ever.
            String copied;
            try {
                copied = contentKey(tmp.resolve(runnerJar.getFileName()));
            } catch (IOException e) {
                throw new IOException("the copy of " + runnerJar + " is not a readable jar (rebuilt meanwhile?): " + e, e);
            }
            if (!copied.equals(key)) {
                throw new IOException(runnerJar + " changed while it was copied");
            }
            Files.createFile(tmp.resolve(".complete"));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("Schema registry copied to {} in {} ms", dir, (System.nanoTime() - t0) / 1_000_000);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another JVM made the same copy meanwhile
                if (!Files.isRegularFile(dir.resolve(".complete"))) {
                    throw e;
                }
            }
        } finally {
            StackSupport.deleteRecursively(tmp);
        }
    }

    /** Deletes all but the {@value #KEEP} most recent copies. */
    private static void prune(Path root, Path current) {
        List<Path> copies = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
            for (Path p : s) {
                if (Files.isDirectory(p) && !p.equals(current) && !p.getFileName().toString().startsWith(".")) {
                    copies.add(p);
                }
            }
            copies.sort(Comparator.comparing((Path p) -> {
                try {
                    return Files.getLastModifiedTime(p);
                } catch (IOException e) {
                    return java.nio.file.attribute.FileTime.fromMillis(0);
                }
            }).reversed());
            for (Path old : copies.subList(Math.min(copies.size(), KEEP - 1), copies.size())) {
                StackSupport.deleteRecursively(old);
            }
        } catch (IOException e) {
            LOG.debug("Could not prune {}: {}", root, e.toString());
        }
    }
}

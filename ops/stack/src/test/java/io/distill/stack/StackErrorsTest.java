package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clear failures, before anything heavy starts. */
class StackErrorsTest {

    @TempDir
    Path tmp;

    private static ServerSocket occupy() throws Exception {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return socket;
    }

    @Test
    void kafkaPortInUse() throws Exception {
        try (ServerSocket taken = occupy()) {
            StackOptions options = StackOptions.builder().workDir(tmp).kafkaPort(taken.getLocalPort())
                    .registryEnabled(false).build();
            StackException e = assertThrows(StackException.class, () -> EmbeddedStack.start(options));
            assertTrue(e.getMessage().contains("Port " + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("Kafka listener PLAINTEXT"), e.getMessage());
        }
    }

    @Test
    void controllerPortInUse() throws Exception {
        try (ServerSocket taken = occupy()) {
            StackOptions options = StackOptions.builder().workDir(tmp).controllerPort(taken.getLocalPort()).build();
            StackException e = assertThrows(StackException.class, () -> EmbeddedKafka.start(options));
            assertTrue(e.getMessage().contains("Kafka listener CONTROLLER"), e.getMessage());
        }
    }

    @Test
    void registryPortInUse() throws Exception {
        try (ServerSocket taken = occupy()) {
            StackOptions options = StackOptions.builder().workDir(tmp).registryPort(taken.getLocalPort()).build();
            StackException e = assertThrows(StackException.class, () -> RegistryProcess.start(options));
            assertTrue(e.getMessage().contains("Port " + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("schema registry"), e.getMessage());
        }
    }

    @Test
    void dataDirIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        StackOptions options = StackOptions.builder().workDir(file).registryEnabled(false).build();
        StackException e = assertThrows(StackException.class, () -> EmbeddedStack.start(options));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not usable"), e.getMessage());
    }

    @Test
    void kafkaDataDirUnderAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        StackException e = assertThrows(StackException.class,
                () -> new EmbeddedKafka(StackOptions.defaults(), file.resolve("kafka")).start());
        assertTrue(e.getMessage().startsWith("Kafka work directory"), e.getMessage());
        assertTrue(e.getMessage().contains("not usable"), e.getMessage());
    }

    @Test
    void kafkaDataDirIsAFile() throws Exception {
        Path kafkaDir = Files.createDirectories(tmp.resolve("kafka"));
        Files.writeString(kafkaDir.resolve("data"), "x");
        StackException e = assertThrows(StackException.class,
                () -> new EmbeddedKafka(StackOptions.defaults(), kafkaDir).start());
        assertTrue(e.getMessage().startsWith("Kafka data directory " + kafkaDir.resolve("data")), e.getMessage());
    }

    @Test
    void missingRegistryJar() {
        Path missing = tmp.resolve("nope-runner.jar");
        StackOptions options = StackOptions.builder().workDir(tmp).registryJar(missing).build();
        StackException e = assertThrows(StackException.class, () -> EmbeddedStack.start(options));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("./mvnw -f ops/registry-app/pom.xml package -DskipTests"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("kafka").resolve("server.properties")), "nothing was started");
    }

    @Test
    void locateRunnerJarFromProperty() throws Exception {
        String before = System.getProperty(RegistryProcess.JAR_PROPERTY);
        try {
            System.setProperty(RegistryProcess.JAR_PROPERTY, tmp.resolve("absent.jar").toString());
            StackException e = assertThrows(StackException.class, RegistryProcess::locateRunnerJar);
            assertTrue(e.getMessage().contains("absent.jar"), e.getMessage());

            Path jar = Files.writeString(tmp.resolve("present-runner.jar"), "");
            Files.createDirectories(tmp.resolve("lib"));
            System.setProperty(RegistryProcess.JAR_PROPERTY, jar.toString());
            assertTrue(RegistryProcess.locateRunnerJar().equals(jar.toAbsolutePath()));
        } finally {
            if (before == null) {
                System.clearProperty(RegistryProcess.JAR_PROPERTY);
            } else {
                System.setProperty(RegistryProcess.JAR_PROPERTY, before);
            }
        }
    }

    @Test
    void locateRunnerJarFromSourceRoot() {
        // Surefire sets distill.root to the reactor root, where ops/registry-app has been built.
        Path jar = RegistryProcess.locateRunnerJar();
        assertTrue(jar.getFileName().toString().matches("distill-registry-app-.*-runner\\.jar"), jar.toString());
        assertTrue(jar.startsWith(RegistryProcess.sourceRoot().orElseThrow()), jar.toString());
    }
}

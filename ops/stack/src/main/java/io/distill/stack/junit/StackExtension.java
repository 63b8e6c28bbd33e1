package io.distill.stack.junit;

import io.distill.stack.EmbeddedStack;
import io.distill.stack.KafkaMode;
import io.distill.stack.StackOptions;
import java.util.Locale;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives tests one {@link EmbeddedStack} per test JVM. The stack starts lazily, on the first test that asks for it,
 * and is closed when JUnit ends (it is kept in the root extension context's store), or by a JVM shutdown hook when
 * {@link #shared()} was used outside JUnit. Resolves {@code EmbeddedStack} parameters of constructors,
 * {@code @BeforeAll}/{@code @BeforeEach} methods and test methods.
 *
 * <p>All tests share the broker, so each should use its own topics and groups
 * ({@link EmbeddedStack#uniqueTopic(String)}, {@link EmbeddedStack#createUniqueTopic(String, int)}).
 *
 * <p>System properties: {@value #MODE_PROPERTY} ({@code in-process}, the default, or {@code process}) and
 * {@value #REGISTRY_PROPERTY} ({@code true}, the default, or {@code false}).
 */
public final class StackExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(StackExtension.class);

    /** Where the shared broker runs: {@code in-process} (default) or {@code process}. */
    public static final String MODE_PROPERTY = "distill.stack.kafka-mode";
    /** Whether the shared stack has a schema registry: {@code true} (default) or {@code false}. */
    public static final String REGISTRY_PROPERTY = "distill.stack.registry";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackExtension.class);

    private static EmbeddedStack shared;
    private static Thread shutdownHook;

    /** The shared stack of this JVM, started on first use. */
    public static synchronized EmbeddedStack shared() {
        if (shared == null) {
            StackOptions options = optionsFromSystemProperties();
            LOG.info("Starting the shared test stack ({})", options.kafkaMode());
            EmbeddedStack stack = EmbeddedStack.start(options);
            shutdownHook = new Thread(StackExtension::closeShared, "shared-stack-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            shared = stack;
        }
        return shared;
    }

    static StackOptions optionsFromSystemProperties() {
        String mode = System.getProperty(MODE_PROPERTY, "in-process").trim().toUpperCase(Locale.ROOT).replace('-', '_');
        boolean registry = Boolean.parseBoolean(System.getProperty(REGISTRY_PROPERTY, "true").trim());
        return StackOptions.builder()
                .kafkaMode(KafkaMode.valueOf(mode))
                .registryEnabled(registry)
                .build();
    }

    static synchronized void closeShared() {
        EmbeddedStack stack = shared;
        shared = null;
        if (stack != null) {
            if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down already
                }
            }
            shutdownHook = null;
            stack.close();
        }
    }

    /** Makes JUnit close the shared stack (if it gets started) when the whole test run ends. */
    private static void registerCloser(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedStackCloser.class);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        registerCloser(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        registerCloser(extensionContext);
        return shared();
    }

    /** Kept in the root store; JUnit closes it at the end of the run. */
    @SuppressWarnings("deprecation")
    static final class SharedStackCloser implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            closeShared();
        }
    }
}

package io.distill.stack;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An additional client listener of the broker, bound to 127.0.0.1. Its security settings (keystores, SASL
 * mechanisms, JAAS) are given as broker properties, e.g. {@code listener.name.sasl_ssl.ssl.keystore.location}.
 *
 * @param name listener name, upper case, e.g. {@code SASL_SSL} or {@code EXTERNAL}
 * @param securityProtocol one of {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT}, {@code SASL_SSL}
 * @param port fixed port, or 0 for a free one chosen at the first start and kept across restarts
 */
public record Listener(String name, String securityProtocol, int port) {

    /** Names the stack uses itself. */
    static final Set<String> RESERVED = Set.of(EmbeddedKafka.CLIENT_LISTENER, EmbeddedKafka.CONTROLLER_LISTENER);

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    public Listener {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(securityProtocol, "securityProtocol");
        name = name.toUpperCase(Locale.ROOT);
        securityProtocol = securityProtocol.toUpperCase(Locale.ROOT);
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("Listener name must be letters, digits and '_': " + name);
        }
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("Listener name " + name + " is reserved by the stack");
        }
        if (!PROTOCOLS.contains(securityProtocol)) {
            throw new IllegalArgumentException("Unknown security protocol " + securityProtocol + ", expected one of " + PROTOCOLS);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Port out of range: " + port);
        }
    }

    /** A listener whose name is its security protocol, e.g. {@code of("SASL_SSL", 0)}. */
    public static Listener of(String securityProtocol, int port) {
        return new Listener(securityProtocol, securityProtocol, port);
    }

    Listener withPort(int newPort) {
        return new Listener(name, securityProtocol, newPort);
    }
}

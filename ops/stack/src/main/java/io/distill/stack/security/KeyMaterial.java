package io.distill.stack.security;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PKCS12 key store holding one private key and its certificate chain, as a Kafka client or listener (or any TLS
 * server) uses it.
 *
 * @param alias    the key's alias, also its certificate's common name
 * @param location the PKCS12 file
 * @param password password of the store and of the key
 */
public record KeyMaterial(String alias, Path location, String password) {

    public static final String TYPE = "PKCS12";

    /** Kafka client settings presenting this key: {@code ssl.keystore.location}, {@code .password}, {@code .type}. */
    public Map<String, Object> kafkaKeystoreProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ssl.keystore.location", location.toString());
        p.put("ssl.keystore.password", password);
        p.put("ssl.keystore.type", TYPE);
        return p;
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + alias + ", " + location + "]";
    }
}

package io.distill.stack.security;

import io.distill.stack.StackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A throw-away certificate authority for tests and local stacks, made with the JDK's {@code keytool}: one CA key,
 * a trust store holding its certificate, and key stores whose certificates it signs (servers get
 * {@code localhost}/{@code 127.0.0.1} as subject alternative names, so host name verification stays on). Everything
 * is PKCS12 under one directory; certificates are valid for two days.
 *
 * <p>{@link #selfSigned(String)} makes a key no one trusts, for the refusal cases.
 */
public final class CertificateAuthority {

    private static final String VALIDITY_DAYS = "2";

    private final Path dir;
    private final Path caStore;
    private final String caPassword;
    private final Path caCertificate;
    private final Path truststore;
    private final String truststorePassword;

    private CertificateAuthority(Path dir) {
        this.dir = dir;
        this.caStore = dir.resolve("ca.p12");
        this.caPassword = randomPassword();
        this.caCertificate = dir.resolve("ca.pem");
        this.truststore = dir.resolve("truststore.p12");
        this.truststorePassword = randomPassword();
    }

    /** Creates the CA key and the trust store under {@code dir} (created if needed). */
    public static CertificateAuthority create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StackException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        CertificateAuthority ca = new CertificateAuthority(dir.toAbsolutePath());
        Keytool.run("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=distill-test-ca", "-ext", "bc:c", "-validity", VALIDITY_DAYS,
                "-storetype", KeyMaterial.TYPE, "-keystore", ca.caStore.toString(),
                "-storepass", ca.caPassword, "-keypass", ca.caPassword);
        Keytool.run("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.caStore.toString(),
                "-storepass", ca.caPassword, "-file", ca.caCertificate.toString());
        Keytool.run("-importcert", "-noprompt", "-alias", "distill-test-ca", "-file", ca.caCertificate.toString(),
                "-storetype", KeyMaterial.TYPE, "-keystore", ca.truststore.toString(),
                "-storepass", ca.truststorePassword);
        return ca;
    }

    /** A key for a TLS server on this machine: CN {@code cn}, SAN {@code localhost} and {@code 127.0.0.1}. */
    public KeyMaterial issueServer(String cn) {
        return issue(cn, "SAN=dns:localhost,ip:127.0.0.1", "EKU=serverAuth,clientAuth");
    }

    /** A client key whose certificate's subject is {@code CN=<cn>} (a broker maps it to {@code User:<cn>}). */
    public KeyMaterial issueClient(String cn) {
        return issue(cn, null, "EKU=clientAuth");
    }

    private KeyMaterial issue(String cn, String san, String eku) {
        KeyMaterial key = newKey(cn);
        Path csr = dir.resolve(cn + ".csr");
        Path signed = dir.resolve(cn + ".pem");
        Keytool.run("-certreq", "-alias", cn, "-keystore", key.location().toString(), "-storepass", key.password(),
                "-file", csr.toString());
        java.util.List<String> gencert = new java.util.ArrayList<>(java.util.List.of("-gencert", "-rfc",
                "-alias", "ca", "-keystore", caStore.toString(), "-storepass", caPassword,
                "-infile", csr.toString(), "-outfile", signed.toString(), "-validity", VALIDITY_DAYS, "-ext", eku));
        if (san != null) {
            gencert.add("-ext");
            gencert.add(san);
        }
        Keytool.run(gencert.toArray(String[]::new));
        // The reply holds the whole chain (certificate, then the CA's), so keytool needs no trusted CA in the store.
        Path chain = dir.resolve(cn + "-chain.pem");
        try {
            Files.writeString(chain, Files.readString(signed) + Files.readString(caCertificate));
        } catch (IOException e) {
            throw new StackException("Cannot write " + chain + ": " + e.getMessage(), e);
        }
        Keytool.run("-importcert", "-noprompt", "-alias", cn, "-file", chain.toString(),
                "-keystore", key.location().toString(), "-storepass", key.password());
        return key;
    }

    /** A key with a self-signed certificate this CA did not sign: nothing that trusts only this CA accepts it. */
    public KeyMaterial selfSigned(String cn) {
        return newKey(cn);
    }

    private KeyMaterial newKey(String cn) {
        if (!cn.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("Common name must be letters, digits, '.', '_' or '-': " + cn);
        }
        KeyMaterial key = new KeyMaterial(cn, dir.resolve(cn + ".p12"), randomPassword());
        Keytool.run("-genkeypair", "-alias", cn, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn,
                "-validity", VALIDITY_DAYS, "-storetype", KeyMaterial.TYPE, "-keystore", key.location().toString(),
                "-storepass", key.password(), "-keypass", key.password());
        return key;
    }

    /** The PKCS12 trust store holding this CA's certificate. */
    public Path truststore() {
        return truststore;
    }

    public String truststorePassword() {
        return truststorePassword;
    }

    /** The CA certificate, PEM. */
    public Path certificate() {
        return caCertificate;
    }

    /** Kafka client settings trusting this CA: {@code ssl.truststore.location}, {@code .password}, {@code .type}. */
    public Map<String, Object> kafkaTruststoreProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ssl.truststore.location", truststore.toString());
        p.put("ssl.truststore.password", truststorePassword);
        p.put("ssl.truststore.type", KeyMaterial.TYPE);
        return p;
    }

    static String randomPassword() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}

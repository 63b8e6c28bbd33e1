package io.distill.core.registry;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of {@link HttpRegistryClient}. Build it with {@link #builder(String...)} or from the
 * {@code registry.*} configuration keys with {@link #fromProperties(Map)}.
 *
 * <p>Keys understood by {@link #fromProperties(Map)} (given without the {@code registry.} prefix):
 *
 * <pre>
 * url                      comma-separated base URLs, e.g. http://host:8081 or
 *                          http://host:8080/apis/ccompat/v7; tried in turn on failure
 * basic.auth.user.info     user:password for HTTP basic authentication (also taken from a URL's user info)
 * ssl.truststore.location  trust store file (PKCS12 or JKS)
 * ssl.truststore.password
 * ssl.truststore.type      default: the JVM's default key store type
 * ssl.keystore.location    key store with the client certificate, for mutual TLS
 * ssl.keystore.password
 * ssl.keystore.type
 * ssl.key.password         password of the key, when it differs from the key store's
 * ssl.trust.all            true to accept any server certificate (default false; never in production)
 * connect.timeout.ms       default 5000
 * request.timeout.ms       default 10000
 * retry.backoff.ms         first wait before a retry, default 100; doubled on each retry
 * retry.backoff.max.ms     longest single wait, default 5000
 * retry.max.wait.ms        total waiting before giving up with RegistryUnavailableException, default 30000
 * </pre>
 */
public record RegistryClientConfig(
    List<URI> urls,
    String basicAuthUserInfo,
    Path truststoreLocation,
    String truststorePassword,
    String truststoreType,
    Path keystoreLocation,
    String keystorePassword,
    String keystoreType,
    String keyPassword,
    boolean trustAll,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration retryBackoff,
    Duration retryBackoffMax,
    Duration retryMaxWait) {

  public static final String URL = "url";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String SSL_TRUSTSTORE_LOCATION = "ssl.truststore.location";
  public static final String SSL_TRUSTSTORE_PASSWORD = "ssl.truststore.password";
  public static final String SSL_TRUSTSTORE_TYPE = "ssl.truststore.type";
  public static final String SSL_KEYSTORE_LOCATION = "ssl.keystore.location";
  public static final String SSL_KEYSTORE_PASSWORD = "ssl.keystore.password";
  public static final String SSL_KEYSTORE_TYPE = "ssl.keystore.type";
  public static final String SSL_KEY_PASSWORD = "ssl.key.password";
  public static final String SSL_TRUST_ALL = "ssl.trust.all";
  public static final String CONNECT_TIMEOUT_MS = "connect.timeout.ms";
  public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
  public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
  public static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
  public static final String RETRY_MAX_WAIT_MS = "retry.max.wait.ms";

  private static final String PREFIX = "registry.";

  public RegistryClientConfig {
    urls = List.copyOf(urls);
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(PREFIX + URL + ": at least one schema registry URL is required");
    }
    for (URI u : urls) {
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
        throw new IllegalArgumentException(PREFIX + URL + ": not an http(s) URL: " + u);
      }
    }
    requirePositive(connectTimeout, CONNECT_TIMEOUT_MS);
    requirePositive(requestTimeout, REQUEST_TIMEOUT_MS);
    requirePositive(retryBackoff, RETRY_BACKOFF_MS);
    requirePositive(retryBackoffMax, RETRY_BACKOFF_MAX_MS);
    Objects.requireNonNull(retryMaxWait, RETRY_MAX_WAIT_MS);
    if (retryMaxWait.isNegative()) {
      throw new IllegalArgumentException(PREFIX + RETRY_MAX_WAIT_MS + ": must not be negative");
    }
    if (basicAuthUserInfo != null && !basicAuthUserInfo.contains(":")) {
      throw new IllegalArgumentException(PREFIX + BASIC_AUTH_USER_INFO + ": expected user:password");
    }
  }

  private static void requirePositive(Duration d, String key) {
    Objects.requireNonNull(d, key);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(PREFIX + key + ": must be positive");
    }
  }

  public boolean usesTls() {
    return urls.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()));
  }

  public static Builder builder(String... urls) {
    Builder b = new Builder();
    for (String u : urls) {
      b.url(u);
    }
    return b;
  }

  /**
   * Reads the keys listed in the class comment; {@code props} holds them without the {@code
   * registry.} prefix (see {@code DistillConfig.subset("registry.")}). Error messages name the key
   * with its prefix.
   */
  public static RegistryClientConfig fromProperties(Map<String, ?> props) {
    Builder b = new Builder();
    String urls = str(props, URL);
    if (urls == null || urls.isBlank()) {
      throw new IllegalArgumentException(PREFIX + URL + ": missing; the schema registry base URL is required");
    }
    for (String u : urls.split(",")) {
      if (!u.isBlank()) {
        b.url(u.trim());
      }
    }
    b.basicAuthUserInfo(str(props, BASIC_AUTH_USER_INFO));
    String ts = str(props, SSL_TRUSTSTORE_LOCATION);
    if (ts != null && !ts.isBlank()) {
      b.truststore(Path.of(ts), str(props, SSL_TRUSTSTORE_PASSWORD), str(props, SSL_TRUSTSTORE_TYPE));
    }
    String ks = str(props, SSL_KEYSTORE_LOCATION);
    if (ks != null && !ks.isBlank()) {
      b.keystore(Path.of(ks), str(props, SSL_KEYSTORE_PASSWORD), str(props, SSL_KEYSTORE_TYPE), str(props, SSL_KEY_PASSWORD));
    }
    String trustAll = str(props, SSL_TRUST_ALL);
    if (trustAll != null) {
      b.trustAll(bool(trustAll, SSL_TRUST_ALL));
    }
    millis(props, CONNECT_TIMEOUT_MS, b::connectTimeout);
    millis(props, REQUEST_TIMEOUT_MS, b::requestTimeout);
    millis(props, RETRY_BACKOFF_MS, b::retryBackoff);
    millis(props, RETRY_BACKOFF_MAX_MS, b::retryBackoffMax);
    millis(props, RETRY_MAX_WAIT_MS, b::retryMaxWait);
    return b.build();
  }

  private static String str(Map<String, ?> props, String key) {
    Object v = props.get(key);
    return v == null ? null : v.toString().trim();
  }

  private static boolean bool(String v, String key) {
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(PREFIX + key + ": expected true or false, got '" + v + "'");
  }

  private static void millis(Map<String, ?> props, String key, java.util.function.Consumer<Duration> set) {
    String v = str(props, key);
    if (v == null || v.isEmpty()) {
      return;
    }
    try {
      set.accept(Duration.ofMillis(Long.parseLong(v)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PREFIX + key + ": expected a number of milliseconds, got '" + v + "'");
    }
  }

  @Override
  public String toString() {
    return "RegistryClientConfig[urls=" + urls.stream().map(RegistryClientConfig::withoutUserInfo).toList()
        + ", basicAuth=" + (basicAuthUserInfo == null ? "none" : basicAuthUserInfo.substring(0, basicAuthUserInfo.indexOf(':')) + ":****")
        + ", truststore=" + truststoreLocation + ", keystore=" + keystoreLocation + ", trustAll=" + trustAll
        + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
        + ", retryBackoff=" + retryBackoff + ".." + retryBackoffMax + ", retryMaxWait=" + retryMaxWait + "]";
  }

  static String withoutUserInfo(URI u) {
    if (u.getRawUserInfo() == null) {
      return u.toString();
    }
    return u.toString().replace(u.getRawUserInfo() + "@", "");
  }

  /** Builder with the defaults listed in the class comment. */
  public static final class Builder {
    private final List<URI> urls = new ArrayList<>();
    private String basicAuthUserInfo;
    private Path truststoreLocation;
    private String truststorePassword;
    private String truststoreType;
    private Path keystoreLocation;
    private String keystorePassword;
    private String keystoreType;
    private String keyPassword;
    private boolean trustAll;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration retryBackoff = Duration.ofMillis(100);
    private Duration retryBackoffMax = Duration.ofSeconds(5);
    private Duration retryMaxWait = Duration.ofSeconds(30);

    private Builder() {}

    /** Adds a base URL; a user info part ({@code http://user:pw@host}) becomes basic authentication. */
    public Builder url(String url) {
      URI u;
      try {
        u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(PREFIX + URL + ": not a URL: " + url, e);
      }
      if (u.getRawUserInfo() != null) {
        if (basicAuthUserInfo == null) {
          basicAuthUserInfo = java.net.URLDecoder.decode(u.getRawUserInfo(), java.nio.charset.StandardCharsets.UTF_8);
        }
        u = URI.create(withoutUserInfo(u));
      }
      urls.add(u);
      return this;
    }

    public Builder basicAuthUserInfo(String userInfo) {
      if (userInfo != null && !userInfo.isBlank()) {
        this.basicAuthUserInfo = userInfo;
      }
      return this;
    }

    public Builder truststore(Path location, String password, String type) {
      this.truststoreLocation = location;
      this.truststorePassword = password;
      this.truststoreType = type;
      return this;
    }

    public Builder keystore(Path location, String password, String type, String keyPassword) {
      this.keystoreLocation = location;
      this.keystorePassword = password;
      this.keystoreType = type;
      this.keyPassword = keyPassword;
      return this;
    }

    public Builder trustAll(boolean trustAll) {
      this.trustAll = trustAll;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder retryBackoff(Duration d) {
      this.retryBackoff = d;
      return this;
    }

    public Builder retryBackoffMax(Duration d) {
      this.retryBackoffMax = d;
      return this;
    }

    /** Total time spent waiting between retries before {@link RegistryUnavailableException}. */
    public Builder retryMaxWait(Duration d) {
      this.retryMaxWait = d;
      return this;
    }

    public RegistryClientConfig build() {
      return new RegistryClientConfig(urls, basicAuthUserInfo, truststoreLocation, truststorePassword, truststoreType,
          keystoreLocation, keystorePassword, keystoreType, keyPassword, trustAll, connectTimeout, requestTimeout,
          retryBackoff, retryBackoffMax, retryMaxWait);
    }
  }
}

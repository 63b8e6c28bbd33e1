package io.distill.core.config;

import io.distill.core.registry.RegistryClientConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's effective configuration: flat {@code key=value} pairs merged from, lowest precedence
 * first, defaults, properties files, the environment ({@code DISTILL_FOO_BAR} sets {@code foo.bar})
 * and explicit overrides (command-line flags). Immutable.
 *
 * <p>Conventions shared by every service:
 *
 * <ul>
 *   <li>{@code kafka.*}: Kafka client properties, passed through with the prefix removed ({@link
 *       #kafkaProperties()}), e.g. {@code kafka.bootstrap.servers}, {@code
 *       kafka.security.protocol=SASL_SSL}, {@code kafka.sasl.mechanism=SCRAM-SHA-512}, {@code
 *       kafka.sasl.jaas.config=...}.
 *   <li>{@code registry.*}: the schema registry client ({@link #registryClientConfig()}), e.g.
 *       {@code registry.url}, {@code registry.basic.auth.user.info}, {@code
 *       registry.ssl.truststore.location}.
 *   <li>{@code topics.*}: the topic catalogue; {@code deadletter.max.value.bytes}; {@code
 *       serde.auto.register}.
 * </ul>
 *
 * <p>{@link #dump()} prints the configuration with secrets masked; {@link #configHash()}
 * fingerprints it (secret values excluded) for checkpoint lineage.
 */
public final class DistillConfig {

  /** Where a value came from. */
  public enum Source { DEFAULT, FILE, ENVIRONMENT, OVERRIDE }

  public static final String ENV_PREFIX = "DISTILL_";
  public static final String MASK = "****";
  private static final List<String> SECRET_MARKERS = List.of(
      "password", "secret", "token", "sasl.jaas.config", "key.password", "basic.auth.user.info", "ssl.keystore.key",
      "credentials");
  private static final Pattern URL_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@");

  private final SortedMap<String, String> values;
  private final Map<String, Source> sources;

  private DistillConfig(SortedMap<String, String> values, Map<String, Source> sources) {
    this.values = Collections.unmodifiableSortedMap(values);
    this.sources = Map.copyOf(sources);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A configuration holding exactly {@code values} (as overrides). */
  public static DistillConfig of(Map<String, String> values) {
    return builder().overrides(values).build();
  }

  /** This configuration with {@code overrides} on top. */
  public DistillConfig with(Map<String, String> overrides) {
    SortedMap<String, String> v = new TreeMap<>(values);
    Map<String, Source> s = new LinkedHashMap<>(sources);
    overrides.forEach((k, val) -> {
      String key = Builder.normaliseKey(k);
      v.put(key, val == null ? "" : val.trim());
      s.put(key, Source.OVERRIDE);
    });
    return new DistillConfig(v, s);
  }

  // ---------------------------------------------------------------------------------------------
  // Raw access

  public Map<String, String> asMap() {
    return values;
  }

  public boolean contains(String key) {
    return values.containsKey(key);
  }

  public Optional<String> find(String key) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public Optional<Source> source(String key) {
    return Optional.ofNullable(sources.get(key));
  }

  /** Keys under {@code prefix}, with the prefix removed, sorted. */
  public Map<String, String> subset(String prefix) {
    SortedMap<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix) && k.length() > prefix.length()) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return Collections.unmodifiableSortedMap(out);
  }

  /** The {@code kafka.*} keys as Kafka client properties (prefix removed). */
  public Map<String, Object> kafkaProperties() {
    return new LinkedHashMap<>(subset("kafka."));
  }

  /** The {@code kafka.*} keys with {@code extra} on top, for one client. */
  public Map<String, Object> kafkaProperties(Map<String, ?> extra) {
    Map<String, Object> m = kafkaProperties();
    m.putAll(extra);
    return m;
  }

  /** The schema registry client settings from the {@code registry.*} keys. */
  public RegistryClientConfig registryClientConfig() {
    try {
      return RegistryClientConfig.fromProperties(subset("registry."));
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      String key = msg != null && msg.startsWith("registry.") && msg.contains(":") ? msg.substring(0, msg.indexOf(':')) : "registry";
      throw new ConfigException(key, msg, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Typed getters; every error names the key.

  public String getString(String key) {
    return find(key).orElseThrow(() -> new ConfigException(key, "missing required configuration key"));
  }

  public String getString(String key, String defaultValue) {
    return find(key).orElse(defaultValue);
  }

  public int getInt(String key) {
    return parseInt(key, getString(key));
  }

  public int getInt(String key, int defaultValue) {
    return find(key).map(v -> parseInt(key, v)).orElse(defaultValue);
  }

  /** An int within {@code [min, max]}. */
  public int getInt(String key, int defaultValue, int min, int max) {
    int v = getInt(key, defaultValue);
    if (v < min || v > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  public long getLong(String key) {
    return parseLong(key, getString(key));
  }

  public long getLong(String key, long defaultValue) {
    return find(key).map(v -> parseLong(key, v)).orElse(defaultValue);
  }

  public double getDouble(String key) {
    return parseDouble(key, getString(key));
  }

  public double getDouble(String key, double defaultValue) {
    return find(key).map(v -> parseDouble(key, v)).orElse(defaultValue);
  }

  public boolean getBoolean(String key) {
    return parseBoolean(key, getString(key));
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    return find(key).map(v -> parseBoolean(key, v)).orElse(defaultValue);
  }

  /**
   * A duration: a number with a unit ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code
   * 7d}), ISO-8601 ({@code PT30S}), or a bare number of milliseconds.
   */
  public Duration getDuration(String key) {
    return parseDuration(key, getString(key));
  }

  public Duration getDuration(String key, Duration defaultValue) {
    return find(key).map(v -> parseDuration(key, v)).orElse(defaultValue);
  }

  /** A size in bytes: a bare number, or with {@code KiB}/{@code MiB}/{@code GiB} (or {@code KB}, {@code MB}, {@code GB}). */
  public long getBytes(String key) {
    return parseBytes(key, getString(key));
  }

  public long getBytes(String key, long defaultValue) {
    return find(key).map(v -> parseBytes(key, v)).orElse(defaultValue);
  }

  /** Comma-separated values, trimmed, empty ones dropped; empty list when unset. */
  public List<String> getList(String key) {
    return find(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
  }

  public <E extends Enum<E>> E getEnum(String key, Class<E> type, E defaultValue) {
    Optional<String> v = find(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    String s = v.get().trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return Enum.valueOf(type, s);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "expected one of " + Arrays.toString(type.getEnumConstants()) + ", got '" + v.get() + "'");
    }
  }

  public Path getPath(String key) {
    return Path.of(getString(key));
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected an integer, got '" + v + "'");
    }
  }

  private static long parseLong(String key, String v) {
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected an integer, got '" + v + "'");
    }
  }

  private static double parseDouble(String key, String v) {
    try {
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected a finite number, got '" + v + "'");
    }
  }

  private static boolean parseBoolean(String key, String v) {
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key, "expected true or false, got '" + v + "'");
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

  private static Duration parseDuration(String key, String v) {
    String s = v.trim();
    if (s.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        Duration d = Duration.parse(s);
        if (d.isNegative()) {
          throw new ConfigException(key, "must not be negative, got '" + v + "'");
        }
        return d;
      } catch (DateTimeParseException e) {
        throw new ConfigException(key, "expected a duration such as 500ms, 30s, 5m, 2h, 7d or PT30S, got '" + v + "'");
      }
    }
    Matcher m = DURATION.matcher(s.replace("_", ""));
    if (!m.matches()) {
      throw new ConfigException(key, "expected a duration such as 500ms, 30s, 5m, 2h, 7d or PT30S, got '" + v + "'");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "duration out of range: '" + v + "'");
    }
    String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|kb|mb|gb|k|m|g)?", Pattern.CASE_INSENSITIVE);

  private static long parseBytes(String key, String v) {
    Matcher m = SIZE.matcher(v.trim().replace("_", ""));
    if (!m.matches()) {
      throw new ConfigException(key, "expected a size such as 65536, 64KiB or 2MiB, got '" + v + "'");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "size out of range: '" + v + "'");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long factor = switch (unit) {
      case "kib", "k" -> 1024L;
      case "mib", "m" -> 1024L * 1024;
      case "gib", "g" -> 1024L * 1024 * 1024;
      case "kb" -> 1000L;
      case "mb" -> 1000L * 1000;
      case "gb" -> 1000L * 1000 * 1000;
      default -> 1L;
    };
    try {
      return Math.multiplyExact(n, factor);
    } catch (ArithmeticException e) {
      throw new ConfigException(key, "size out of range: '" + v + "'");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Secrets, dump, hash

  /** Whether the key holds a secret whose value must never be printed. */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (String marker : SECRET_MARKERS) {
      if (k.contains(marker)) {
        return true;
      }
    }
    return false;
  }

  /** The value as it may be printed: secrets as {@code ****}, user info in URLs masked. */
  public static String maskedValue(String key, String value) {
    if (value == null) {
      return null;
    }
    if (isSecret(key)) {
      return MASK;
    }
    return URL_USER_INFO.matcher(value).replaceAll("$1" + MASK + "@");
  }

  /** Every key with its printable value. */
  public SortedMap<String, String> masked() {
    SortedMap<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> out.put(k, maskedValue(k, v)));
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * The effective configuration, one {@code key = value (source)} line per key in key order,
   * secrets masked; print it once at start.
   */
  public String dump() {
    StringBuilder sb = new StringBuilder("effective configuration (")
        .append(values.size()).append(" keys, hash ").append(configHash(), 0, 12).append("):");
    int width = values.keySet().stream().mapToInt(String::length).max().orElse(0);
    masked().forEach((k, v) -> sb.append(System.lineSeparator()).append("  ").append(k)
        .append(" ".repeat(width - k.length())).append(" = ").append(v)
        .append("  (").append(sources.getOrDefault(k, Source.OVERRIDE).name().toLowerCase(Locale.ROOT)).append(')'));
    return sb.toString();
  }

  /**
   * Lower-case hex SHA-256 of the sorted {@code key=value} lines of the effective configuration,
   * with secret values masked: the hash identifies a configuration in checkpoint lineage without
   * depending on (or leaking a fingerprint of) credentials.
   */
  public String configHash() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      masked().forEach((k, v) -> md.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "DistillConfig" + masked();
  }

  // ---------------------------------------------------------------------------------------------

  /** Collects the sources; {@link #build()} merges them by precedence whatever the call order. */
  public static final class Builder {
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Map<String, String> file = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final Map<String, String> overrides = new LinkedHashMap<>();

    private Builder() {}

    static String normaliseKey(String key) {
      String k = key.trim();
      if (k.isEmpty()) {
        throw new ConfigException("(empty key)", "configuration keys must not be empty");
      }
      return k;
    }

    private static void putAll(Map<String, String> target, Map<String, ?> source) {
      source.forEach((k, v) -> {
        if (v != null) {
          target.put(normaliseKey(k), v.toString().trim());
        }
      });
    }

    public Builder defaults(Map<String, ?> defaults) {
      putAll(this.defaults, defaults);
      return this;
    }

    public Builder defaultValue(String key, String value) {
      this.defaults.put(normaliseKey(key), value);
      return this;
    }

    /** Reads a properties file (UTF-8); later files win over earlier ones. */
    public Builder propertiesFile(Path path) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (NoSuchFileException e) {
        throw new ConfigException("config.file", "no such file: " + path);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException("config.file", "cannot read " + path + ": " + e.getMessage(), e);
      }
      for (String name : p.stringPropertyNames()) {
        file.put(normaliseKey(name), p.getProperty(name).trim());
      }
      return this;
    }

    public Builder properties(Properties properties) {
      for (String name : properties.stringPropertyNames()) {
        file.put(normaliseKey(name), properties.getProperty(name).trim());
      }
      return this;
    }

    /**
     * Takes every {@code DISTILL_*} variable: {@code DISTILL_KAFKA_BOOTSTRAP_SERVERS} sets {@code
     * kafka.bootstrap.servers} (prefix removed, lower case, {@code _} to {@code .}).
     */
    public Builder environment(Map<String, String> env) {
      env.forEach((name, value) -> {
        String key = environmentKey(name);
        if (key != null && value != null) {
          environment.put(key, value.trim());
        }
      });
      return this;
    }

    /** {@link #environment(Map)} of this process. */
    public Builder systemEnvironment() {
      return environment(System.getenv());
    }

    /** The configuration key a variable sets, or null when it is not a {@code DISTILL_} variable. */
    public static String environmentKey(String variable) {
      if (!variable.startsWith(ENV_PREFIX) || variable.length() == ENV_PREFIX.length()) {
        return null;
      }
      return variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public Builder override(String key, String value) {
      overrides.put(normaliseKey(key), value == null ? "" : value.trim());
      return this;
    }

    public Builder overrides(Map<String, ?> overrides) {
      putAll(this.overrides, overrides);
      return this;
    }

    public DistillConfig build() {
      SortedMap<String, String> values = new TreeMap<>();
      Map<String, Source> sources = new LinkedHashMap<>();
      List<Map.Entry<Source, Map<String, String>>> layers = new ArrayList<>();
      layers.add(Map.entry(Source.DEFAULT, defaults));
      layers.add(Map.entry(Source.FILE, file));
      layers.add(Map.entry(Source.ENVIRONMENT, environment));
      layers.add(Map.entry(Source.OVERRIDE, overrides));
      for (Map.Entry<Source, Map<String, String>> layer : layers) {
        layer.getValue().forEach((k, v) -> {
          values.put(k, v);
          sources.put(k, layer.getKey());
        });
      }
      return new DistillConfig(values, sources);
    }
  }
}

package io.distill.cli.docs;

import io.distill.teacher.cli.TeacherConfig;
import io.distill.trainer.config.TrainerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders the configuration reference (docs/CONFIGURATION.md) from the picocli model of the {@code distill} command
 * tree: for every visible command, depth first in declaration order, its description, usage line, options and
 * parameters. Options are sorted by name. The output depends only on the code: no time stamps, no paths, no user
 * names (initial values of String and Path fields may be computed from the environment and are left out; their
 * descriptions state the default).
 */
public final class ConfigReference {

    /** The command that regenerates the file. */
    public static final String REGENERATE = "./distill docs config --output docs/CONFIGURATION.md";

    private static final int USAGE_WIDTH = 100;

    /** Defaults of the configuration keys, per command, where the code keeps them in one map. */
    private static final Map<String, Map<String, String>> KEY_DEFAULTS = Map.of(
            "distill teacher serve", TeacherConfig.defaults(),
            "distill trainer", TrainerSettings.DEFAULTS);

    private static final Pattern SENTENCE_END = Pattern.compile("(?<!\\bvs|\\be\\.g|\\bi\\.e)\\.\\s");

    private ConfigReference() {
    }

    /**
     * @param root the {@code distill} command line (a fresh one: parsing arguments changes option values)
     * @return the Markdown reference
     */
    public static String render(CommandLine root) {
        List<CommandSpec> commands = new ArrayList<>();
        collect(root.getCommandSpec(), commands, Collections.newSetFromMap(new IdentityHashMap<>()));
        StringBuilder md = new StringBuilder();
        header(md);
        contents(md, commands);
        for (CommandSpec command : commands) {
            command(md, command);
        }
        roleKeys(md, commands);
        return md.toString();
    }

    private static void collect(CommandSpec spec, List<CommandSpec> out, Set<CommandSpec> seen) {
        if (spec.usageMessage().hidden() || !seen.add(spec)) {
            return;
        }
        out.add(spec);
        for (CommandLine sub : spec.subcommands().values()) {
            collect(sub.getCommandSpec(), out, seen);
        }
    }

    private static void header(StringBuilder md) {
        md.append("# Configuration reference\n\n");
        md.append("<!-- Generated from the command definitions by `").append(REGENERATE)
                .append("`; do not edit by hand. ConfigReferenceTest fails when this file is stale. -->\n\n");
        md.append("Every command of `./distill`, its options and their defaults, generated from the code. "
                + "Every command also takes `-h`/`--help` and `-V`/`--version`, which the tables leave out. "
                + "The Default column shows an option's declared default or, for `teacher serve` and `trainer`, the "
                + "default of the configuration key it sets; where neither exists in one place in the code, the "
                + "description states the default.\n\n");
        md.append("## How configuration is resolved\n\n");
        md.append("The role commands (`teacher serve`, `topology`, `trainer`, `serve`) and the commands that talk to "
                + "a running cluster (`topics create`, `load`, `checkpoints ...`) read configuration keys such as "
                + "`kafka.bootstrap.servers` or `teacher.batch.max.size`. An option's description names the key it "
                + "sets, in parentheses or brackets. Each key is resolved from four layers, lowest precedence first:\n\n");
        md.append("1. built-in defaults;\n");
        md.append("2. the properties file given with `--config FILE` (`distill stack` writes one for its broker "
                + "and registry);\n");
        md.append("3. the environment: `DISTILL_FOO_BAR` sets `foo.bar` (`DISTILL_KAFKA_BOOTSTRAP_SERVERS` sets "
                + "`kafka.bootstrap.servers`);\n");
        md.append("4. command-line flags; `topology` and `trainer` also take any key as `-D KEY=VALUE`.\n\n");
        md.append("Each role prints its effective configuration once at start, with secrets (passwords, tokens, "
                + "`sasl.jaas.config`, `basic.auth.user.info`, ...) shown as `****`.\n\n");
        md.append("Key families shared by every command that connects to Kafka (documented in "
                + "[core/README.md](../core/README.md#configuration-iodistillcoreconfig)):\n\n");
        md.append("- `kafka.*` keys are passed to the Kafka clients with the prefix removed, so any client setting "
                + "works, security included: `kafka.security.protocol=SASL_SSL`, "
                + "`kafka.sasl.mechanism=SCRAM-SHA-512`, `kafka.sasl.jaas.config=...`, "
                + "`kafka.ssl.truststore.location=...`.\n");
        md.append("- `registry.*` keys configure the schema registry client: `registry.url` (comma-separated base "
                + "URLs, Confluent-compatible API), basic auth with `registry.basic.auth.user.info=user:password`, "
                + "TLS with `registry.ssl.truststore.location` / `.password` / `.type` and, for mutual TLS, "
                + "`registry.ssl.keystore.location` / `.password` / `.type` and `registry.ssl.key.password`; timeouts "
                + "and retries with `registry.connect.timeout.ms`, `registry.request.timeout.ms`, "
                + "`registry.retry.backoff.ms`, `registry.retry.backoff.max.ms`, `registry.retry.max.wait.ms`.\n");
        md.append("- `topics.*` keys define the topic catalogue: `topics.prefix` (default `distill.`), "
                + "`topics.partitions`, `topics.replication.factor`, `topics.min.insync.replicas`, "
                + "`topics.retention.ms`, `topics.deadletters.retention.ms`, `topics.blobs.chunk.bytes`, "
                + "`topics.blobs.max.message.bytes`.\n\n");
        md.append("Example: a properties file for a secured cluster, used by every role with `--config`.\n\n");
        md.append("```properties\n");
        md.append("kafka.bootstrap.servers=broker-1:9093,broker-2:9093,broker-3:9093\n");
        md.append("kafka.security.protocol=SASL_SSL\n");
        md.append("kafka.sasl.mechanism=SCRAM-SHA-512\n");
        md.append("kafka.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"distill\" password=\"...\";\n");
        md.append("registry.url=https://registry.example.com\n");
        md.append("registry.basic.auth.user.info=distill:...\n");
        md.append("registry.ssl.truststore.location=/etc/distill/truststore.p12\n");
        md.append("registry.ssl.truststore.password=...\n");
        md.append("topics.replication.factor=3\n");
        md.append("topics.min.insync.replicas=2\n");
        md.append("```\n\n");
    }

    private static void contents(StringBuilder md, List<CommandSpec> commands) {
        md.append("## Commands\n\n");
        for (CommandSpec c : commands) {
            int depth = depth(c);
            md.append("  ".repeat(depth)).append("- [`").append(c.qualifiedName()).append("`](#")
                    .append(anchor(c.qualifiedName())).append(')');
            String header = plain(c.usageMessage().header());
            String summary = header.isEmpty() ? firstSentence(description(c)) : header;
            if (!summary.isEmpty()) {
                md.append(": ").append(text(summary));
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static void command(StringBuilder md, CommandSpec c) {
        md.append("## `").append(c.qualifiedName()).append("`\n\n");
        String header = plain(c.usageMessage().header());
        if (!header.isEmpty()) {
            md.append(text(header)).append("\n\n");
        }
        String description = description(c);
        if (!description.isEmpty()) {
            md.append(text(description)).append("\n\n");
        }
        md.append("```\n").append(usage(c)).append("\n```\n\n");

        List<OptionSpec> options = c.options().stream()
                .filter(o -> !o.hidden() && !o.usageHelp() && !o.versionHelp())
                .sorted(Comparator.comparing((OptionSpec o) -> sortKey(o.longestName()))
                        .thenComparing(OptionSpec::longestName))
                .collect(Collectors.toList());
        if (!options.isEmpty()) {
            md.append("| Option | Value | Default | Description |\n");
            md.append("|---|---|---|---|\n");
            for (OptionSpec o : options) {
                md.append("| ").append(names(c, o))
                        .append(" | ").append(valueLabel(o))
                        .append(" | ").append(defaultValue(o, keyDefault(c, o)))
                        .append(" | ").append(cell(description(o)))
                        .append(" |\n");
            }
            md.append('\n');
        }

        List<PositionalParamSpec> parameters = c.positionalParameters().stream()
                .filter(p -> !p.hidden())
                .collect(Collectors.toList());
        if (!parameters.isEmpty()) {
            md.append("| Parameter | Default | Description |\n");
            md.append("|---|---|---|\n");
            for (PositionalParamSpec p : parameters) {
                md.append("| `").append(p.paramLabel()).append(p.isMultiValue() ? "...`" : "`")
                        .append(" | ").append(defaultValue(p, null))
                        .append(" | ").append(cell(description(p)))
                        .append(" |\n");
            }
            md.append('\n');
        }

        List<CommandSpec> subcommands = visibleSubcommands(c);
        if (!subcommands.isEmpty()) {
            md.append("Subcommands: ");
            md.append(subcommands.stream()
                    .map(s -> "[`" + s.name() + "`](#" + anchor(s.qualifiedName()) + ")")
                    .collect(Collectors.joining(", ")));
            md.append(".\n\n");
        }
    }

    /**
     * Keys that the teacher service and the trainer read but that have no flag of their own: they come from the same
     * defaults the commands use, so they cannot drift either.
     */
    private static void roleKeys(StringBuilder md, List<CommandSpec> commands) {
        md.append("## Keys without a flag\n\n");
        md.append("Keys that `teacher serve` and `trainer` read but no option of theirs names; set them in the "
                + "`--config` file, as `DISTILL_*` variables or (trainer) with `-D KEY=VALUE`. The topology's keys "
                + "are listed in [topology/README.md](../topology/README.md) and `TopologyConfig`; every "
                + "`topology` setting can be given with `-D`.\n\n");
        for (String command : new TreeMap<>(KEY_DEFAULTS).keySet()) {
            keysWithoutFlag(md, find(commands, command), KEY_DEFAULTS.get(command));
        }
    }

    private static void keysWithoutFlag(StringBuilder md, CommandSpec command, Map<String, String> defaults) {
        if (command == null) {
            return;
        }
        String described = command.options().stream()
                .map(ConfigReference::description)
                .collect(Collectors.joining("\n"));
        Map<String, String> keys = new TreeMap<>();
        defaults.forEach((key, value) -> {
            if (!mentions(described, key)) {
                keys.put(key, value);
            }
        });
        md.append("### `").append(command.qualifiedName()).append("`\n\n");
        if (keys.isEmpty()) {
            md.append("None: every key has an option.\n\n");
            return;
        }
        md.append("| Key | Environment | Default |\n");
        md.append("|---|---|---|\n");
        keys.forEach((key, value) -> md.append("| `").append(key).append("` | `")
                .append(environmentVariable(key)).append("` | ")
                .append(value.isEmpty() ? "" : "`" + value.replace("|", "\\|") + "`").append(" |\n"));
        md.append('\n');
    }

    static boolean mentions(String text, String key) {
        return Pattern.compile("(?<![A-Za-z0-9.])" + Pattern.quote(key) + "(?![A-Za-z0-9]|\\.[A-Za-z0-9])")
                .matcher(text).find();
    }

    static String environmentVariable(String key) {
        return "DISTILL_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static CommandSpec find(List<CommandSpec> commands, String qualifiedName) {
        return commands.stream().filter(c -> c.qualifiedName().equals(qualifiedName)).findFirst().orElse(null);
    }

    private static List<CommandSpec> visibleSubcommands(CommandSpec c) {
        Set<CommandSpec> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<CommandSpec> out = new ArrayList<>();
        for (CommandLine sub : c.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden() && seen.add(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private static String usage(CommandSpec c) {
        c.usageMessage().width(USAGE_WIDTH);
        CommandLine.Help help = new CommandLine.Help(c, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        String synopsis = help.synopsis(0).stripTrailing();
        return "Usage: " + synopsis;
    }

    private static String names(CommandSpec c, OptionSpec o) {
        List<String> names = new ArrayList<>(List.of(o.names()));
        if (o.negatable()) {
            CommandLine.INegatableOptionTransformer transformer = c.negatableOptionTransformer();
            for (String name : o.names()) {
                String negative = transformer.makeNegative(name, c);
                if (negative != null && !names.contains(negative)) {
                    names.add(negative);
                }
            }
        }
        names.sort(Comparator.comparing(String::length).thenComparing(Comparator.naturalOrder()));
        return names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
    }

    private static String valueLabel(OptionSpec o) {
        if (o.arity().max() == 0) {
            return "";
        }
        return "`" + o.paramLabel() + (o.isMultiValue() ? "...`" : "`");
    }

    /** The default of the first configuration key (in key order) that the option's description names. */
    private static String keyDefault(CommandSpec c, OptionSpec o) {
        Map<String, String> defaults = KEY_DEFAULTS.get(c.qualifiedName());
        if (defaults == null) {
            return null;
        }
        String description = description(o);
        return new TreeMap<>(defaults).entrySet().stream()
                .filter(e -> !e.getValue().isEmpty() && mentions(description, e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    private static String defaultValue(CommandLine.Model.ArgSpec arg, String keyDefault) {
        String value = arg.defaultValue();
        if (value == null && arg.hasInitialValue() && !arg.required()) {
            value = stableInitialValue(arg.initialValue());
        }
        if (value == null) {
            value = keyDefault;
        }
        String rendered = value == null ? "" : "`" + value.replace("|", "\\|") + "`";
        if (arg.required()) {
            rendered = rendered.isEmpty() ? "required" : rendered + ", required";
        }
        return rendered;
    }

    /** Initial values that cannot depend on the machine: numbers, enums and lists of them. */
    private static String stableInitialValue(Object value) {
        if (value instanceof Number || value instanceof Enum<?>) {
            return value.toString();
        }
        if (value instanceof Collection<?> c && !c.isEmpty()
                && c.stream().allMatch(e -> e instanceof Number || e instanceof Enum<?>)) {
            return c.stream().map(Object::toString).collect(Collectors.joining(","));
        }
        return null;
    }

    private static String description(CommandSpec c) {
        return plain(c.usageMessage().description());
    }

    private static String description(CommandLine.Model.ArgSpec arg) {
        return plain(arg.renderedDescription());
    }

    /** Joins description lines; picocli's line-break and percent specifiers become plain text. */
    private static String plain(String[] lines) {
        return String.join(" ", lines).replace("%n", " ").replace("%%", "%").replaceAll("\\s+", " ").strip();
    }

    private static String firstSentence(String description) {
        java.util.regex.Matcher m = SENTENCE_END.matcher(description);
        return m.find() ? description.substring(0, m.start() + 1) : description;
    }

    private static int depth(CommandSpec c) {
        int depth = 0;
        for (CommandSpec p = c.parent(); p != null; p = p.parent()) {
            depth++;
        }
        return depth;
    }

    private static String sortKey(String name) {
        return name.replaceFirst("^-+", "").toLowerCase(Locale.ROOT);
    }

    /** GitHub's heading anchor of a heading that is one code span. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    /** Text outside a table: angle brackets and asterisks would be read as HTML and emphasis. */
    static String text(String s) {
        return s.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*");
    }

    /** Text inside a table cell: also escape the column separator and keep it on one line. */
    static String cell(String s) {
        return text(s.replace('\n', ' ')).replace("|", "\\|");
    }
}

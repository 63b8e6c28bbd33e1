package io.distill.cli.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Everything a service writes while this is open: every log event (root logger, the Kafka clients and distill at
 * DEBUG, with stack traces) and what goes to a print stream handed to the service.
 */
final class CapturedOutput implements AutoCloseable {

    private static final List<String> VERBOSE = List.of("io.distill", "org.apache.kafka.clients",
            "org.apache.kafka.common.security", "org.apache.kafka.common.config", "org.apache.kafka.streams");

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final Map<String, Level> previous = new HashMap<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    CapturedOutput() {
        LoggerContext context = root.getLoggerContext();
        for (String name : VERBOSE) {
            Logger l = context.getLogger(name);
            previous.put(name, l.getLevel());
            l.setLevel(Level.DEBUG);
        }
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    /** Every captured line: formatted log messages with their stack traces, then the printed text. */
    String text() {
        StringBuilder sb = new StringBuilder();
        synchronized (appender.list) {
            for (ILoggingEvent e : appender.list) {
                sb.append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ")
                        .append(e.getFormattedMessage()).append('\n');
                if (e.getThrowableProxy() != null) {
                    sb.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
                }
            }
        }
        return sb.append(printed.toString(StandardCharsets.UTF_8)).toString();
    }

    int events() {
        synchronized (appender.list) {
            return appender.list.size();
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        LoggerContext context = root.getLoggerContext();
        previous.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }
}

package io.distill.serving.quality;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * Joins the server's sampled answers with the teacher's soft labels for the same request ids, whichever arrives
 * first, and keeps top-1 agreement per model version. Both sides wait in bounded buffers (oldest evicted), so an
 * answer whose label never comes costs nothing but a slot.
 *
 * <p>When the gate reports a drop for a version, the drop counter is raised once per version and
 * {@code onDrop} (e.g. a fleet rollback) is called once for it.
 */
public final class LiveAgreement {

    private static final Logger log = LoggerFactory.getLogger(LiveAgreement.class);

    private record Answer(long version, int predictedClass) {
    }

    private final String model;
    private final QualityGate gate;
    private final MeterRegistry registry;
    private final LongConsumer onDrop;
    private final Map<String, Answer> answers;
    private final Map<String, Integer> teacherClasses;
    private final Map<Long, AgreementWindow> windows = new ConcurrentHashMap<>();
    private final Set<Long> dropped = ConcurrentHashMap.newKeySet();

    public LiveAgreement(String model, QualityGate gate, int bufferSize, MeterRegistry registry, LongConsumer onDrop) {
        this.model = model;
        this.gate = gate;
        this.registry = registry;
        this.onDrop = onDrop;
        this.answers = boundedMap(bufferSize);
        this.teacherClasses = boundedMap(bufferSize);
    }

    /** A sampled answer of this server. */
    public void answered(String requestId, long version, int predictedClass) {
        Integer teacher;
        synchronized (this) {
            teacher = teacherClasses.remove(requestId);
            if (teacher == null) {
                answers.put(requestId, new Answer(version, predictedClass));
                return;
            }
        }
        compare(version, predictedClass, teacher);
    }

    /** The teacher's most likely class for a request. */
    public void teacherLabelled(String requestId, int teacherClass) {
        Answer answer;
        synchronized (this) {
            answer = answers.remove(requestId);
            if (answer == null) {
                teacherClasses.put(requestId, teacherClass);
                return;
            }
        }
        compare(answer.version(), answer.predictedClass(), teacherClass);
    }

    /** Agreement of {@code version} over its window, NaN when nothing was compared yet. */
    public double agreement(long version) {
        AgreementWindow w = windows.get(version);
        return w == null ? Double.NaN : w.agreement();
    }

    public long compared(long version) {
        AgreementWindow w = windows.get(version);
        return w == null ? 0 : w.total();
    }

    public boolean hasDropped(long version) {
        return dropped.contains(version);
    }

    private void compare(long version, int predicted, int teacher) {
        AgreementWindow w = windows.computeIfAbsent(version, this::newWindow);
        w.record(predicted == teacher);
        if (gate.dropped(w) && dropped.add(version)) {
            Counter.builder("distill_serving_live_quality_drops_total").tag("model", model)
                    .description("Versions whose live agreement with the teacher fell below the threshold")
                    .register(registry).increment();
            log.error("QUALITY DROP {} v{}: live agreement {} over {} requests is below {}", model, version,
                    String.format("%.3f", w.agreement()), w.size(), gate.threshold());
            try {
                onDrop.accept(version);
            } catch (RuntimeException e) {
                log.error("reacting to the quality drop of {} v{} failed", model, version, e);
            }
        }
    }

    private AgreementWindow newWindow(long version) {
        AgreementWindow w = new AgreementWindow(gate.window());
        Gauge.builder("distill_serving_live_agreement", w, AgreementWindow::agreement)
                .description("Top-1 agreement of served answers with the teacher over the last window")
                .tag("model", model).tag("version", Long.toString(version)).register(registry);
        Gauge.builder("distill_serving_live_compared", w, AgreementWindow::total)
                .description("Answers compared with a teacher label")
                .tag("model", model).tag("version", Long.toString(version)).register(registry);
        Gauge.builder("distill_serving_live_quality_dropped", () -> dropped.contains(version) ? 1 : 0)
                .description("1 when the version's live agreement fell below the threshold")
                .tag("model", model).tag("version", Long.toString(version)).register(registry);
        return w;
    }

    private static <K, V> Map<K, V> boundedMap(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }
}

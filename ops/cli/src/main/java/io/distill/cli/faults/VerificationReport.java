package io.distill.cli.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@link PipelineVerifier}: what was checked, how many duplicates and gaps were found, and the first
 * problems in words. A run passes when there is no problem at all.
 */
public final class VerificationReport {

    private static final int MAX_PROBLEMS = 50;

    long requestsChecked;
    long softLabelsChecked;
    long dispositionsChecked;
    long checkpointsVerified;
    long lineageRangesChecked;
    long duplicates;
    long missing;
    private long problemCount;
    private final List<String> problems = new ArrayList<>();

    void problem(String format, Object... args) {
        problemCount++;
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(String.format(Locale.ROOT, format, args));
        }
    }

    void duplicate(String format, Object... args) {
        duplicates++;
        problem(format, args);
    }

    void missing(String format, Object... args) {
        missing++;
        problem(format, args);
    }

    public boolean ok() {
        return problemCount == 0;
    }

    public long requestsChecked() {
        return requestsChecked;
    }

    public long softLabelsChecked() {
        return softLabelsChecked;
    }

    public long dispositionsChecked() {
        return dispositionsChecked;
    }

    public long checkpointsVerified() {
        return checkpointsVerified;
    }

    public long lineageRangesChecked() {
        return lineageRangesChecked;
    }

    public long duplicates() {
        return duplicates;
    }

    public long missing() {
        return missing;
    }

    public long problemCount() {
        return problemCount;
    }

    /** The first problems found (at most 50), in words. */
    public List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "requests %d, soft labels %d, dispositions %d, checkpoints %d, lineage ranges %d,"
                        + " duplicates %d, missing %d, problems %d%s", requestsChecked, softLabelsChecked, dispositionsChecked,
                checkpointsVerified, lineageRangesChecked, duplicates, missing, problemCount,
                problems.isEmpty() ? "" : ": " + String.join("; ", problems));
    }
}

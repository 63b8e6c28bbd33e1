package io.distill.topology.join;

/** Checks a decoded record; throws an exception carrying a reason code when it cannot be used. */
@FunctionalInterface
public interface RecordValidator<T> {

    /**
     * @param key the record key (the request id)
     * @param value the decoded value
     */
    void validate(String key, T value);
}

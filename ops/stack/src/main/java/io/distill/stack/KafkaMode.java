package io.distill.stack;

/** Where the Kafka broker runs. */
public enum KafkaMode {
    /** Inside the current JVM: fastest to start, shares the heap with the caller. */
    IN_PROCESS,
    /** In a child JVM ({@link KafkaProcess}): can be killed and restarted like a real broker. */
    PROCESS
}

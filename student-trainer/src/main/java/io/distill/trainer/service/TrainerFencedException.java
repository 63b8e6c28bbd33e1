package io.distill.trainer.service;

import org.apache.kafka.common.KafkaException;

/**
 * The transactional producer was refused again and again (or the checkpoints topic holds another trainer's blob under
 * this trainer's next version): another trainer of the model holds the transactional id, and this one stops.
 */
public final class TrainerFencedException extends RuntimeException {

    public TrainerFencedException(KafkaException cause) {
        super("another trainer holds this trainer's transactional id: " + cause, cause);
    }
}

package io.distill.teacher.service;

import io.distill.schema.DeadLetter;
import io.distill.schema.Prediction;
import io.distill.schema.SoftLabel;

/** What became of one request record; every consumed record ends in exactly one outcome. */
sealed interface Outcome {

    /** The teacher labelled the request; the prediction is null unless predictions are published. */
    record Labelled(String requestId, SoftLabel softLabel, Prediction prediction) implements Outcome {}

    /** The record was refused and goes to the dead-letter topic. */
    record DeadLettered(DeadLetter deadLetter) implements Outcome {}

    /** The request was not chosen by teacher sampling; it is counted and skipped. */
    record SampledOut() implements Outcome {}
}

package io.distill.trainer.data;

import io.distill.core.deadletter.DeadLetterRecords;
import io.distill.core.registry.RegistryClient;
import io.distill.core.serde.DecodeResult;
import io.distill.core.serde.RecordDecoder;
import io.distill.schema.TrainingExample;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes {@link TrainingExample}s in the Confluent wire format with core's serde: bad records become
 * {@link UndecodableRecordException}s with core's reason code; registry failures are transient.
 */
public final class SerdeExampleDecoder implements ExampleDecoder {

    private final RecordDecoder<TrainingExample> decoder;

    public SerdeExampleDecoder(RegistryClient registry) {
        this.decoder = RecordDecoder.of(TrainingExample.class, registry);
    }

    @Override
    public TrainingExample decode(ConsumerRecord<byte[], byte[]> record)
            throws UndecodableRecordException, TransientDecodeException {
        DecodeResult<TrainingExample> result;
        try {
            result = decoder.decode(record);
        } catch (RuntimeException e) {
            if (DeadLetterRecords.isDeadLetterable(e)) {
                throw new UndecodableRecordException(DeadLetterRecords.reasonOf(e), String.valueOf(e.getMessage()), e);
            }
            throw new TransientDecodeException(String.valueOf(e.getMessage()), e);
        }
        if (result instanceof DecodeResult.Failed<TrainingExample> failed) {
            throw new UndecodableRecordException(failed.error().reason(), failed.error().getMessage(), failed.error());
        }
        return result.valueOrThrow();
    }
}

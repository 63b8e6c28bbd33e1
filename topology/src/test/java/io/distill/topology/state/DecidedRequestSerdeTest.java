package io.distill.topology.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.distill.schema.LabelSpace;
import io.distill.schema.Split;
import io.distill.topology.accounting.Outcome;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecidedRequestSerdeTest {

    private static final LabelSpace SPACE = LabelSpace.newBuilder().setId("s").setVersion(1).setClassNames(List.of()).build();

    @Test
    void keepsTheSite() {
        DecidedRequest d = new DecidedRequest(Outcome.EXAMPLE, Split.TRAIN, "k", "t", 5, SPACE, 9, false, "site-7");
        assertEquals(d, DecidedRequestSerde.read(DecidedRequestSerde.write(d)));
    }

    @Test
    void readsRecordsWrittenBeforeSitesExisted() {
        byte[] v2 = DecidedRequestSerde.write(new DecidedRequest(Outcome.EXAMPLE, Split.HOLDOUT, "k", "t", 5, SPACE, 9,
                true, null));
        // Version 1 is version 2 without the trailing site (a null string is a length of -1, four bytes).
        byte[] v1 = Arrays.copyOf(v2, v2.length - 4);
        v1[0] = 1;
        DecidedRequest read = DecidedRequestSerde.read(v1);
        assertNull(read.site());
        assertEquals(Split.HOLDOUT, read.split());
        assertEquals(true, read.hardLabelSent());
    }
}

package io.distill.trainer.model;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DeviceSelectionTest {

    @Test
    void autoPrefersAGpuWhenThereIsOne() {
        assertEquals(Device.cpu(), DeviceSelection.resolve("auto", 0));
        assertEquals(Device.gpu(0), DeviceSelection.resolve("auto", 2));
    }

    @Test
    void explicitChoicesAndFallback() {
        assertEquals(Device.cpu(), DeviceSelection.resolve("cpu", 4));
        assertEquals(Device.gpu(1), DeviceSelection.resolve("gpu:1", 2));
        assertEquals(Device.cpu(), DeviceSelection.resolve("gpu", 0));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelection.resolve("tpu", 0));
    }
}

package io.distill.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The one place the trainer's device is chosen, from {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:<n>}:
 * {@code auto} takes the first GPU when the engine sees one and the CPU otherwise; an explicit GPU that is not there
 * falls back to the CPU. Either way one log line says which device and why.
 */
public final class DeviceSelection {

    private static final Logger log = LoggerFactory.getLogger(DeviceSelection.class);

    private DeviceSelection() {
    }

    public static Device choose(String setting) {
        int gpus = Engine.getInstance().getGpuCount();
        Device device = resolve(setting, gpus);
        log.info("Training device: {} (setting '{}', {} GPU(s) visible to {} {})", device, setting, gpus,
                Engine.getInstance().getEngineName(), Engine.getInstance().getVersion());
        return device;
    }

    /** The device for {@code setting} when {@code gpus} GPUs are visible. */
    static Device resolve(String setting, int gpus) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.startsWith("gpu:")) {
            int index = s.equals("gpu") ? 0 : Integer.parseInt(s.substring(4));
            if (index < gpus) {
                return Device.gpu(index);
            }
            log.warn("Device '{}' requested but only {} GPU(s) are visible: falling back to the CPU", setting, gpus);
            return Device.cpu();
        }
        throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:<n>: '" + setting + "'");
    }
}

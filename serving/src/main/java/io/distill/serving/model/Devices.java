package io.distill.serving.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place the inference device is chosen: {@code auto|cpu|gpu[:n]}, falling back to the CPU with a log line. */
public final class Devices {

    private static final Logger log = LoggerFactory.getLogger(Devices.class);

    private Devices() {
    }

    public static Device choose(String setting) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(java.util.Locale.ROOT);
        int gpus = Engine.getInstance().getGpuCount();
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (s.startsWith("gpu")) {
            int index = s.equals("gpu") ? 0 : Integer.parseInt(s.substring(s.indexOf(':') + 1));
            if (index < gpus) {
                return Device.gpu(index);
            }
            log.warn("device {} requested but {} GPU(s) visible: using the CPU", setting, gpus);
            return Device.cpu();
        }
        throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:<n>, got '" + setting + "'");
    }
}

package io.distill.teacher.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the teacher's device is chosen, from the setting {@code auto|cpu|gpu[:n]}. {@code
 * auto} takes the first GPU the engine sees, else the CPU; asking for a GPU that is not there falls
 * back to the CPU with a warning (CUDA natives are not shipped for this PyTorch build).
 */
public final class DeviceSelection {

    private static final Logger log = LoggerFactory.getLogger(DeviceSelection.class);

    private DeviceSelection() {}

    /**
     * @param setting {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:n}
     * @return the device to run on
     */
    public static Device resolve(String setting) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        int gpus = Engine.getInstance().getGpuCount();
        Device device;
        if (s.equals("cpu")) {
            device = Device.cpu();
        } else if (s.equals("auto")) {
            device = gpus > 0 ? Device.gpu(0) : Device.cpu();
        } else if (s.equals("gpu") || s.startsWith("gpu:")) {
            int index = s.equals("gpu") ? 0 : parseIndex(s.substring(4), setting);
            if (index < gpus) {
                device = Device.gpu(index);
            } else {
                log.warn("device {} requested but the engine sees {} GPU(s); running on the CPU", setting, gpus);
                device = Device.cpu();
            }
        } else {
            throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:<n>, not '" + setting + "'");
        }
        log.info("teacher device: {} (setting {}, {} GPU(s) visible)", device, s, gpus);
        return device;
    }

    private static int parseIndex(String text, String setting) {
        try {
            int i = Integer.parseInt(text);
            if (i < 0) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:<n>, not '" + setting + "'");
        }
    }
}

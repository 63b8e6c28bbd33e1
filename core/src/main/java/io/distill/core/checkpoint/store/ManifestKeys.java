package io.distill.core.checkpoint.store;

import java.util.Objects;

/**
 * Record keys of the checkpoint topics: {@code model:version} for a manifest on the compacted checkpoints topic and
 * {@code model:version:chunk} for one chunk on the blob topic. Model names may not contain ':' so that a key always
 * splits back into its parts.
 */
public final class ManifestKeys {

    private ManifestKeys() {
    }

    /** Key of a version's manifest: {@code model:version}. */
    public static String manifestKey(String model, long version) {
        return checkedModel(model) + ':' + checkedVersion(version);
    }

    /** Key of one chunk of a version's blob: {@code model:version:chunk}. */
    public static String chunkKey(String model, long version, int chunk) {
        if (chunk < 0) {
            throw new IllegalArgumentException("chunk index must not be negative: " + chunk);
        }
        return manifestKey(model, version) + ':' + chunk;
    }

    /** The parts of a manifest key, or an exception when the key is not of the form {@code model:version}. */
    public static VersionKey parseManifestKey(String key) {
        Objects.requireNonNull(key, "key");
        int colon = key.lastIndexOf(':');
        if (colon <= 0 || colon == key.length() - 1 || key.indexOf(':') != colon) {
            throw new IllegalArgumentException("not a manifest key (model:version): " + key);
        }
        try {
            return new VersionKey(key.substring(0, colon), Long.parseLong(key.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a manifest key (model:version): " + key, e);
        }
    }

    /** Whether {@code key} is the manifest key of some version of {@code model}. */
    public static boolean isManifestOf(String key, String model) {
        if (key == null || !key.startsWith(model + ':')) {
            return false;
        }
        try {
            return parseManifestKey(key).model().equals(model);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Validates a model name for use in keys and paths. */
    public static String checkedModel(String model) {
        Objects.requireNonNull(model, "model");
        if (model.isEmpty() || !model.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model name must be non-empty and use only letters, digits, '.', '_' or '-': '"
                    + model + "'");
        }
        return model;
    }

    private static long checkedVersion(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("versions start at 1: " + version);
        }
        return version;
    }

    /** A model name and version. */
    public record VersionKey(String model, long version) {
    }
}

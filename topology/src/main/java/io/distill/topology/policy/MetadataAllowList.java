package io.distill.topology.policy;

import io.distill.schema.InferenceRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The privacy gate: only allow-listed metadata keys pass. It is applied to a request before
 * anything of it is stored, so neither the training topics nor the topology's changelogs see the
 * other keys. The source id is dropped too: training examples have no field for it.
 */
public final class MetadataAllowList {

    private final Set<String> allowed;

    public MetadataAllowList(Set<String> allowed) {
        this.allowed = Set.copyOf(allowed);
    }

    public Map<String, String> apply(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (allowed.contains(k)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** @return a copy of the request keeping only what may be stored and trained on */
    public InferenceRequest strip(InferenceRequest request) {
        return InferenceRequest.newBuilder(request)
                .setSourceId("")
                .setMetadata(apply(request.getMetadata()))
                .build();
    }
}

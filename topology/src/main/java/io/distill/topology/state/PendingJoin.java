package io.distill.topology.state;

import io.distill.schema.GroundTruth;
import io.distill.schema.InferenceRequest;
import io.distill.schema.SoftLabel;
import java.util.ArrayList;
import java.util.List;

/**
 * What has arrived so far for one request id that has not been decided yet: the request (its
 * metadata already cut to the allow-list, so nothing else reaches the store's changelog), the soft
 * labels of the teachers that answered, and the ground truth. Any part may come first.
 */
public final class PendingJoin {

    private final long firstSeenAt;
    private long requestArrivedAt;
    private InferenceRequest request;
    private String sampleKey;
    private final List<SoftLabel> labels;
    private GroundTruth groundTruth;

    /** @param firstSeenAt wall-clock time the first part arrived */
    public PendingJoin(long firstSeenAt) {
        this(firstSeenAt, -1, null, null, new ArrayList<>(), null);
    }

    PendingJoin(long firstSeenAt, long requestArrivedAt, InferenceRequest request, String sampleKey,
            List<SoftLabel> labels, GroundTruth groundTruth) {
        this.firstSeenAt = firstSeenAt;
        this.requestArrivedAt = requestArrivedAt;
        this.request = request;
        this.sampleKey = sampleKey;
        this.labels = labels;
        this.groundTruth = groundTruth;
    }

    public long firstSeenAt() {
        return firstSeenAt;
    }

    /** @return wall-clock time the request arrived, -1 before it did */
    public long requestArrivedAt() {
        return requestArrivedAt;
    }

    public InferenceRequest request() {
        return request;
    }

    public String sampleKey() {
        return sampleKey;
    }

    public boolean hasRequest() {
        return request != null;
    }

    /** Records the request (already allow-listed) and its sample key. */
    public void request(InferenceRequest allowListed, String key, long arrivedAt) {
        this.request = allowListed;
        this.sampleKey = key;
        this.requestArrivedAt = arrivedAt;
    }

    public List<SoftLabel> labels() {
        return labels;
    }

    /** @return true when this teacher has already answered */
    public boolean hasLabelFrom(String teacherId) {
        return labels.stream().anyMatch(l -> l.getTeacherId().equals(teacherId));
    }

    public void addLabel(SoftLabel label) {
        labels.add(label);
    }

    public GroundTruth groundTruth() {
        return groundTruth;
    }

    public void groundTruth(GroundTruth label) {
        this.groundTruth = label;
    }
}

package io.distill.topology.policy;

import io.distill.core.deadletter.ReasonCode;
import io.distill.schema.Split;
import io.distill.topology.DistillTopology;
import io.distill.topology.deadletter.InvalidRecordException;
import java.util.List;
import java.util.Map;

/**
 * Federated distillation: which site a request belongs to, and so which site's topics its example goes to. The site
 * is the value of one request metadata key ({@code sites.metadata.key}, default {@code site}). With {@code
 * topics.sites} empty, routing is off and every example goes to the shared examples and holdout topics.
 *
 * <p>A request without the key goes to {@code sites.default} when one is configured; otherwise, and always for a
 * site that is not configured, it is dead-lettered {@code UNKNOWN_SITE}: an unlisted site has no topics and no
 * trainer, and sending its examples to another site would move raw examples across sites.
 */
public final class SiteRouter {

    private final List<String> sites;
    private final String metadataKey;
    private final String defaultSite;

    /**
     * @param sites configured site ids; empty = routing off
     * @param metadataKey the request metadata key naming the site
     * @param defaultSite site of requests without the key, or null to dead-letter them
     */
    public SiteRouter(List<String> sites, String metadataKey, String defaultSite) {
        this.sites = List.copyOf(sites);
        this.metadataKey = metadataKey;
        this.defaultSite = defaultSite;
        if (defaultSite != null && !this.sites.contains(defaultSite)) {
            throw new IllegalArgumentException("sites.default '" + defaultSite + "' is not one of topics.sites " + sites);
        }
    }

    /** Whether examples are routed by site. */
    public boolean enabled() {
        return !sites.isEmpty();
    }

    public String metadataKey() {
        return metadataKey;
    }

    public List<String> sites() {
        return sites;
    }

    /**
     * The site of a request with this metadata.
     *
     * @throws InvalidRecordException {@code UNKNOWN_SITE} when the site is missing (and there is no default) or not
     *     configured
     */
    public String siteOf(Map<String, String> metadata) {
        String site = metadata == null ? null : metadata.get(metadataKey);
        if (site == null || site.isBlank()) {
            if (defaultSite != null) {
                return defaultSite;
            }
            throw new InvalidRecordException(ReasonCode.UNKNOWN_SITE, "request has no '" + metadataKey
                    + "' metadata and no sites.default is configured; sites are " + sites);
        }
        String trimmed = site.trim();
        if (!sites.contains(trimmed)) {
            throw new InvalidRecordException(ReasonCode.UNKNOWN_SITE, "site '" + trimmed + "' (metadata '" + metadataKey
                    + "') is not one of the configured sites " + sites);
        }
        return trimmed;
    }

    /** The sink an example of this split and site goes to: the shared sinks when routing is off. */
    public String sinkOf(Split split, String site) {
        if (!enabled()) {
            return split == Split.HOLDOUT ? DistillTopology.HOLDOUT_SINK : DistillTopology.EXAMPLES_SINK;
        }
        if (site == null) {
            throw new IllegalStateException("an example without a site while routing by site");
        }
        return sinkName(split, site);
    }

    /** {@code examples-site-<id>-sink} or {@code holdout-site-<id>-sink}. */
    public static String sinkName(Split split, String site) {
        return (split == Split.HOLDOUT ? "holdout" : "examples") + "-site-" + site + "-sink";
    }
}

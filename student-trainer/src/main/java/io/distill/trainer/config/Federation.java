package io.distill.trainer.config;

import java.time.Duration;
import java.util.List;

/**
 * A site trainer's place in federated distillation: it reads only its own site's examples and hold-out topics,
 * publishes under {@code <model>.site-<id>}, and, when {@code beta > 0}, codistils from the other sites' newest
 * published checkpoints ({@code <model>.site-<peer>}), which it follows through the checkpoint topics only.
 *
 * @param site this trainer's site id (one of {@code topics.sites})
 * @param baseModel the model name shared by the sites ({@code trainer.model})
 * @param peerSites the other sites, whose checkpoints it follows
 * @param beta weight of the codistillation term {@code beta * T^2 * KL(mean peer || student)}; 0 = trained alone
 * @param refresh how long one peer version is used before a newer published one is taken
 * @param agreementOnly apply the peer term only where the peers agree with the site's own answer
 *     ({@code trainer.codistill.filter=agreement}, the default; {@code none} applies it to every sample)
 * @param keepUnlabelled keep an example with neither a teacher target nor a hard label as a peer-only sample
 *     ({@code trainer.codistill.unlabelled=use}) instead of refusing it (the default, {@code refuse}); only while
 *     codistilling: a trainer without peers has nothing to learn from it
 * @param unlabelledMinConfidence a peer-only sample takes the peer term only where the peers' top probability is at
 *     least this ({@code trainer.codistill.unlabelled.min.confidence}, 0 = always)
 */
public record Federation(String site, String baseModel, List<String> peerSites, double beta, Duration refresh,
                         boolean agreementOnly, boolean keepUnlabelled, double unlabelledMinConfidence) {

    /** A site trainer that refuses unlabelled examples. */
    public Federation(String site, String baseModel, List<String> peerSites, double beta, Duration refresh,
                      boolean agreementOnly) {
        this(site, baseModel, peerSites, beta, refresh, agreementOnly, false, 0);
    }

    public Federation {
        peerSites = List.copyOf(peerSites);
        if (!(beta >= 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("trainer.codistill.beta must be a finite number >= 0, not " + beta);
        }
        if (refresh.isNegative()) {
            throw new IllegalArgumentException("trainer.codistill.refresh.ms must be >= 0");
        }
        if (!(unlabelledMinConfidence >= 0 && unlabelledMinConfidence <= 1)) {
            throw new IllegalArgumentException("trainer.codistill.unlabelled.min.confidence must be in [0, 1], not "
                    + unlabelledMinConfidence);
        }
    }

    /** The model name a site publishes under: {@code <model>.site-<id>}. */
    public static String modelOf(String baseModel, String site) {
        return baseModel + ".site-" + site;
    }

    /** This site's model name. */
    public String model() {
        return modelOf(baseModel, site);
    }

    /** The peers' model names, in site order. */
    public List<String> peerModels() {
        return peerSites.stream().map(s -> modelOf(baseModel, s)).toList();
    }

    /** Whether this trainer adds the peers' term (beta > 0 and at least one other site). */
    public boolean codistills() {
        return beta > 0 && !peerSites.isEmpty();
    }

    /** Whether unlabelled examples are kept as peer-only samples: asked for, and this trainer codistills. */
    public boolean usesUnlabelled() {
        return keepUnlabelled && codistills();
    }
}

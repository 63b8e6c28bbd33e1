package io.distill.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;

import javax.enterprise.inject.Produces;
import javax.inject.Singleton;
import java.util.List;

/**
 * Produces the bean that Apicurio's config-index build step would generate. That step's deployment
 * artifact is not published to Maven Central; without this producer the application fails at start
 * with an unsatisfied dependency. An empty list only means no dynamic configuration properties are
 * advertised, which this registry does not use.
 */
public class RegistryConfigStandIn {

    @Produces
    @Singleton
    public DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(List.of());
    }
}

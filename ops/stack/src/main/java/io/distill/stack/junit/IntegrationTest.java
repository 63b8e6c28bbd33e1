package io.distill.stack.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that runs against the real broker and schema registry: tagged {@code integration} (so
 * {@code ./mvnw verify -Pfast} leaves it out) and given the JVM's shared {@link io.distill.stack.EmbeddedStack}
 * through {@link StackExtension}, as a constructor, {@code @BeforeAll} or test method parameter.
 *
 * <pre>{@code
 * @IntegrationTest
 * class RoundTripTest {
 *     @Test
 *     void roundTrip(EmbeddedStack stack) {
 *         String topic = stack.createUniqueTopic("round-trip", 1);
 *         ...
 *     }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag("integration")
@ExtendWith(StackExtension.class)
public @interface IntegrationTest {
}

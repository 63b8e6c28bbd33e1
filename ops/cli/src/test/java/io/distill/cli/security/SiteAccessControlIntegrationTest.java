package io.distill.cli.security;

import io.distill.core.topics.SiteAccessPolicy;
import io.distill.core.topics.TopicCatalogue;
import io.distill.stack.EmbeddedStack;
import io.distill.stack.junit.IntegrationTest;
import io.distill.stack.security.ScramUser;
import io.distill.stack.security.SecureStack;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Federated distillation's site boundary enforced by the broker: with {@link SiteAccessPolicy}'s bindings applied on a
 * SASL_SSL broker with an authorizer, each site's trainer principal reads its own site's examples and hold-out and is
 * refused the other site's with a {@link TopicAuthorizationException}.
 */
@IntegrationTest
class SiteAccessControlIntegrationTest {

    @Test
    void aSitePrincipalReadsItsOwnSiteTopicsAndIsRefusedTheOtherSites(@TempDir Path dir) throws Exception {
        try (SecureStack secure = SecureStack.start(dir.resolve("secure"), false, Map.of())) {
            TopicCatalogue catalogue = TopicCatalogue.builder().prefix(EmbeddedStack.uniqueName("sites") + ".")
                    .partitions(1).sites(List.of("a", "b")).build();
            catalogue.ensure(secure.admin());
            ScramUser siteA = secure.createScramUser("distill-site-a");
            ScramUser siteB = secure.createScramUser("distill-site-b");
            SiteAccessPolicy policy = new SiteAccessPolicy(catalogue, "student",
                    Map.of("a", siteA.principal(), "b", siteB.principal()), SiteAccessPolicy.DEFAULT_TOPOLOGY_PRINCIPAL);
            secure.apply(policy.bindings());

            // what the topology routed: one example and one hold-out record per site (written as the administrator)
            Map<String, Object> admin = new HashMap<>();
            admin.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, secure.superUserBootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(admin, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (String site : List.of("a", "b")) {
                    for (String topic : List.of(catalogue.siteExamples(site), catalogue.siteHoldout(site))) {
                        producer.send(new ProducerRecord<>(topic, ("r-" + site).getBytes(StandardCharsets.UTF_8),
                                ("example of site " + site).getBytes(StandardCharsets.UTF_8))).get();
                    }
                }
            }

            for (String site : List.of("a", "b")) {
                ScramUser user = site.equals("a") ? siteA : siteB;
                String other = site.equals("a") ? "b" : "a";
                try (KafkaConsumer<byte[], byte[]> own = consumer(secure, user, policy.trainerId(site))) {
                    own.assign(List.of(new TopicPartition(catalogue.siteExamples(site), 0),
                            new TopicPartition(catalogue.siteHoldout(site), 0)));
                    int read = 0;
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (read < 2 && System.nanoTime() < deadline) {
                        ConsumerRecords<byte[], byte[]> records = own.poll(Duration.ofMillis(500));
                        for (var r : records) {
                            assertEquals("example of site " + site, new String(r.value(), StandardCharsets.UTF_8));
                            read++;
                        }
                    }
                    assertEquals(2, read, "site " + site + " reads its own example and hold-out record");
                }
                for (String foreign : List.of(catalogue.siteExamples(other), catalogue.siteHoldout(other))) {
                    try (KafkaConsumer<byte[], byte[]> cross = consumer(secure, user, policy.trainerId(site))) {
                        cross.assign(List.of(new TopicPartition(foreign, 0)));
                        TopicAuthorizationException e = assertThrows(TopicAuthorizationException.class,
                                () -> cross.poll(Duration.ofSeconds(10)));
                        assertEquals(Set.of(foreign), e.unauthorizedTopics());
                    }
                    assertTrue(!policy.allowsRead(user.principal(), foreign), "the policy itself refuses " + foreign);
                }
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(SecureStack secure, ScramUser user, String group) {
        Map<String, Object> p = new HashMap<>(secure.saslClientProperties(user));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 8_000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}

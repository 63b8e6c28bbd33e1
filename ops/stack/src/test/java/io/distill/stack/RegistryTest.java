package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.stack.junit.IntegrationTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

@IntegrationTest
class RegistryTest {

    static final String SCHEMA = """
            {"type":"record","name":"Example","namespace":"io.distill.test",
             "fields":[{"name":"id","type":"long"},{"name":"label","type":"string"}]}""";

    @Test
    void registerAndFetchById(EmbeddedStack stack) throws Exception {
        assertTrue(stack.registryUrl().matches("http://127\\.0\\.0\\.1:\\d+/apis/ccompat/v7"), stack.registryUrl());
        RegistryHttp registry = new RegistryHttp(stack.registryUrl());
        String subject = stack.uniqueTopic("examples") + "-value";

        int id = registry.register(subject, SCHEMA);
        assertEquals(id, registry.register(subject, SCHEMA), "registering the same schema again gives the same id");

        HttpResponse<String> fetched = registry.schemaById(id);
        assertEquals(200, fetched.statusCode(), fetched.body());
        assertTrue(RegistryHttp.compact(fetched.body()).contains("Example"), fetched.body());
        assertTrue(registry.subjects().body().contains(subject));
    }

    @Test
    void unknownIdIsNotFound(EmbeddedStack stack) throws Exception {
        assertEquals(404, new RegistryHttp(stack.registryUrl()).schemaById(987_654).statusCode());
    }
}

package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SecretsTest {

    @Test
    void a_password_is_masked_and_the_user_stays_visible() {
        assertEquals("amqp://app:***@rabbit:5672/prod", Secrets.redact("amqp://app:p%40ss+w0rd@rabbit:5672/prod"));
    }

    @Test
    void a_token_given_as_the_only_user_info_is_masked() {
        assertEquals("nats://***@127.0.0.1:4222", Secrets.redact("nats://s3cr3t-token@127.0.0.1:4222"));
    }

    @Test
    void secret_query_options_are_masked_and_others_kept() {
        assertEquals("kafka://b:9092?partitions=3&saslJaasConfig=***&kafka.ssl.key.password=***&trustStorePassword=***&acks=all",
                Secrets.redact("kafka://b:9092?partitions=3&saslJaasConfig=org.X%20required%20password%3D%22p%22"
                        + "&kafka.ssl.key.password=k&trustStorePassword=t&acks=all"));
    }

    @Test
    void a_url_without_secrets_is_unchanged() {
        assertEquals("memory://", Secrets.redact("memory://"));
        assertEquals("nats://127.0.0.1:4222?ackWait=5s", Secrets.redact("nats://127.0.0.1:4222?ackWait=5s"));
    }

    @Test
    void option_names_that_hold_secrets_are_recognised_in_any_case_and_prefix() {
        for (String name : List.of("password", "trustStorePassword", "kafka.sasl.jaas.config", "saslJaasConfig",
                "token", "nkeySecret", "kafka.ssl.key.password", "apiKey", "credentials")) {
            assertTrue(Secrets.isSecret(name), name);
        }
        for (String name : List.of("partitions", "ackWait", "trustStore", "user", "connectTimeout")) {
            assertFalse(Secrets.isSecret(name), name);
        }
    }

    @Test
    void option_maps_keep_their_order_with_secret_values_masked() {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("user", "app");
        options.put("password", "hunter22");
        options.put("ackWait", "5s");
        assertEquals("{user=app, password=***, ackWait=5s}", Secrets.redact(options).toString());
    }

    @Test
    void secrets_quoted_by_a_client_message_are_scrubbed() {
        assertEquals("auth failed for *** at host", Secrets.scrub("auth failed for hunter22 at host", List.of("hunter22", "")));
    }
}

package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    private static KafkaSettings parse(String url, Map<String, String> options) {
        return KafkaSettings.parse(URI.create(url), options);
    }

    @Test
    void several_bootstrap_servers_are_read_with_the_default_port_where_none_is_given() {
        assertEquals("k1:9093,k2:9092", parse("kafka://k1:9093,k2", Map.of()).bootstrapServers());
        assertEquals("[::1]:9094", parse("kafka://[::1]:9094", Map.of()).bootstrapServers());
    }

    @Test
    void defaults_are_three_partitions_the_brokers_replication_and_a_limit_that_fits_kafkas_default() {
        KafkaSettings settings = parse("kafka://localhost:9092", Map.of());
        assertEquals(3, settings.partitions());
        assertEquals(Optional.empty(), settings.replicationFactor());
        assertEquals(1_000_000, settings.maxMessageBytes());
        assertEquals(Map.of(), settings.topicConfigs());
        assertEquals(Duration.ofSeconds(10), settings.connectTimeout());
    }

    @Test
    void the_producer_is_durable_and_idempotent_whatever_the_options() {
        Map<String, Object> producer = parse("kafka://h:1", Map.of("lingerMs", "20", "batchSize", "65536",
                "compression", "ZSTD", "clientId", "orders")).producerConfig();
        assertEquals("all", producer.get("acks"));
        assertEquals(true, producer.get("enable.idempotence"));
        assertEquals(20, producer.get("linger.ms"));
        assertEquals(65536, producer.get("batch.size"));
        assertEquals("zstd", producer.get("compression.type"));
        assertEquals("orders-producer", producer.get("client.id"));
        assertEquals("h:1", producer.get("bootstrap.servers"));
    }

    @Test
    void options_prefixed_with_kafka_pass_through_to_every_client_or_to_the_one_named() {
        KafkaSettings settings = parse("kafka://h", Map.of("kafka.session.timeout.ms", "7000",
                "kafka.producer.buffer.memory", "1048576", "kafka.consumer.fetch.min.bytes", "10",
                "kafka.admin.retries", "3"));
        Map<String, Object> consumer = settings.consumerConfig("g", "-c", 10);
        assertEquals("7000", consumer.get("session.timeout.ms"));
        assertEquals("10", consumer.get("fetch.min.bytes"));
        assertFalse(consumer.containsKey("buffer.memory"));
        assertEquals("1048576", settings.producerConfig().get("buffer.memory"));
        assertEquals("7000", settings.producerConfig().get("session.timeout.ms"));
        assertEquals("3", settings.adminConfig().get("retries"));
        assertFalse(settings.producerConfig().containsKey("retries"));
    }

    @Test
    void consumers_start_new_groups_at_the_beginning_and_never_auto_commit() {
        Map<String, Object> consumer = parse("kafka://h", Map.of()).consumerConfig("t:g", "-c1", 16);
        assertEquals("t:g", consumer.get("group.id"));
        assertEquals("earliest", consumer.get("auto.offset.reset"));
        assertEquals(false, consumer.get("enable.auto.commit"));
        assertEquals(16, consumer.get("max.poll.records"));
    }

    @Test
    void the_new_group_protocol_leaves_the_heartbeat_to_the_broker() {
        Map<String, Object> consumer = parse("kafka://h", Map.of("kafka.group.protocol", "consumer"))
                .consumerConfig("g", "-c", 10);
        assertFalse(consumer.containsKey("heartbeat.interval.ms"));
    }

    @Test
    void connect_timeout_and_linger_are_durations_and_their_old_millisecond_spellings_still_work() {
        KafkaSettings settings = parse("kafka://h", Map.of("connectTimeout", "2s", "linger", "20ms"));
        assertEquals(Duration.ofSeconds(2), settings.connectTimeout());
        assertEquals(20, settings.producerConfig().get("linger.ms"));
        KafkaSettings old = parse("kafka://h", Map.of("connectTimeoutMs", "2000", "lingerMs", "20"));
        assertEquals(Duration.ofSeconds(2), old.connectTimeout());
        assertEquals(20, old.producerConfig().get("linger.ms"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h", Map.of("connectTimeout", "2000")))
                .getMessage().contains("connectTimeout"));
    }

    @Test
    void an_unknown_option_is_rejected_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("kafka://h", Map.of("partition", "2")));
        assertTrue(e.getMessage().contains("'partition'"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka."), e.getMessage());
    }

    @Test
    void settings_courier_relies_on_cannot_be_passed_through() {
        for (String key : new String[] {"kafka.acks", "kafka.producer.enable.idempotence", "kafka.enable.auto.commit",
                "kafka.consumer.group.id", "kafka.bootstrap.servers"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse("kafka://h", Map.of(key, "x")));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void a_pass_through_auto_offset_reset_is_refused_because_new_groups_must_start_at_the_earliest_offset() {
        for (String key : new String[] {"kafka.auto.offset.reset", "kafka.consumer.auto.offset.reset"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse("kafka://h", Map.of(key, "latest")));
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains("earliest"), e.getMessage());
        }
    }

    @Test
    void every_client_setting_a_guarantee_rests_on_is_refused_with_the_reason_in_every_scope() {
        Map<String, String> reasons = Map.ofEntries(
                Map.entry("acks", "in-sync replica"),
                Map.entry("enable.idempotence", "duplicated"),
                Map.entry("max.in.flight.requests.per.connection", "order"),
                Map.entry("transactional.id", "transactional"),
                Map.entry("partitioner.class", "per-key order"),
                Map.entry("enable.auto.commit", "handler succeeded"),
                Map.entry("auto.offset.reset", "earliest"),
                Map.entry("group.id", "group id"),
                Map.entry("group.instance.id", "fence"),
                Map.entry("client.id", "clientId"),
                Map.entry("key.serializer", "bytes"),
                Map.entry("value.serializer", "bytes"),
                Map.entry("key.deserializer", "bytes"),
                Map.entry("value.deserializer", "bytes"),
                Map.entry("bootstrap.servers", "URL"));
        for (Map.Entry<String, String> setting : reasons.entrySet()) {
            for (String scope : new String[] {"kafka.", "kafka.producer.", "kafka.consumer.", "kafka.admin."}) {
                String option = scope + setting.getKey();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> parse("kafka://h", Map.of(option, "1")), option);
                assertTrue(e.getMessage().contains("'" + option + "'"), e.getMessage());
                assertTrue(e.getMessage().contains(setting.getValue()), option + ": " + e.getMessage());
            }
        }
    }

    @Test
    void producer_retries_are_refused_but_the_admin_clients_may_be_tuned() {
        for (String option : new String[] {"kafka.retries", "kafka.producer.retries"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse("kafka://h", Map.of(option, "0")));
            assertTrue(e.getMessage().contains("delivery.timeout.ms"), e.getMessage());
        }
        assertEquals("3", parse("kafka://h", Map.of("kafka.admin.retries", "3")).adminConfig().get("retries"));
    }

    @Test
    void settings_courier_does_not_rely_on_still_pass_through() {
        Map<String, Object> consumer = parse("kafka://h", Map.of("kafka.consumer.isolation.level", "read_committed",
                "kafka.consumer.max.poll.interval.ms", "600000")).consumerConfig("g", "-c", 10);
        assertEquals("read_committed", consumer.get("isolation.level"));
        assertEquals("600000", consumer.get("max.poll.interval.ms"));
    }

    @Test
    void a_plus_in_the_url_password_stays_a_plus() {
        Map<String, Object> admin = parse("kafka://ada:a+b%2Bc@broker:9092", Map.of()).adminConfig();
        assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"ada\" "
                + "password=\"a+b+c\";", admin.get("sasl.jaas.config"));
    }

    @Test
    void bad_values_are_rejected_naming_the_option() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h", Map.of("partitions", "zero")))
                .getMessage().contains("partitions"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h", Map.of("partitions", "0")))
                .getMessage().contains("partitions"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h", Map.of("compression", "brotli")))
                .getMessage().contains("compression"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h:99999", Map.of()))
                .getMessage().contains("port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h/path", Map.of()))
                .getMessage().contains("path"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka:///", Map.of()))
                .getMessage().contains("no broker"));
    }

    @Test
    void a_raised_message_limit_raises_the_producer_request_size_and_the_topic_limit() {
        KafkaSettings settings = parse("kafka://h", Map.of("maxMessageBytes", "5000000"));
        assertEquals(5_000_000, settings.maxMessageBytes());
        assertEquals(5_000_000 + 64 * 1024, settings.producerConfig().get("max.request.size"));
        assertEquals(Map.of("max.message.bytes", Integer.toString(5_000_000 + 64 * 1024)), settings.topicConfigs());
    }

    @Test
    void credentials_in_the_url_become_sasl_settings_and_never_show_in_to_string() {
        KafkaSettings settings = parse("kafka://ada:s%22cr3t@broker:9092", Map.of("saslMechanism", "SCRAM-SHA-512"));
        Map<String, Object> admin = settings.adminConfig();
        assertEquals("SASL_PLAINTEXT", admin.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", admin.get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"ada\" "
                + "password=\"s\\\"cr3t\";", admin.get("sasl.jaas.config"));
        assertEquals("broker:9092", settings.bootstrapServers());
        assertFalse(settings.toString().contains("cr3t"), settings.toString());
    }

    @Test
    void a_malformed_url_is_refused_without_showing_its_password_or_secret_options() {
        String[] urls = {"kafka://ada:Pw+S3cret@h/path?saslJaasConfig=J4as-S3cret&sslKeyPassword=K3y-S3cret",
                "kafka://ada:Pw+S3cret@h,/?kafka.ssl.truststore.password=Tru5t-S3cret"};
        for (String url : urls) {
            URI uri = URI.create(url);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KafkaSettings.parse(uri, Map.of()));
            for (String secret : new String[] {"Pw+S3cret", "J4as-S3cret", "K3y-S3cret", "Tru5t-S3cret"}) {
                assertFalse(e.getMessage().contains(secret), e.getMessage());
            }
        }
    }

    @Test
    void client_messages_are_scrubbed_of_every_secret_given() {
        KafkaSettings settings = parse("kafka://ada:Pw%2BS3cret@h", Map.of("sslKeyPassword", "K3y-S3cret",
                "kafka.producer.ssl.truststore.password", "Tru5t-S3cret", "securityProtocol", "SASL_SSL"));
        String scrubbed = settings.scrub("bad: password=\"Pw+S3cret\" K3y-S3cret Tru5t-S3cret Pw%2BS3cret");
        for (String secret : new String[] {"Pw+S3cret", "K3y-S3cret", "Tru5t-S3cret", "Pw%2BS3cret"}) {
            assertFalse(scrubbed.contains(secret), scrubbed);
        }
        Throwable safe = settings.safe(new RuntimeException("wrapper", new IllegalStateException("K3y-S3cret is wrong")));
        assertFalse(safe.toString().contains("K3y-S3cret"), safe.toString());
        assertEquals(null, safe.getCause());
    }

    @Test
    void security_options_map_to_the_client_settings() {
        Map<String, Object> config = parse("kafka://h", Map.of("securityProtocol", "SSL", "sslTruststoreLocation",
                "/etc/ts.p12", "sslTruststorePassword", "pw", "saslJaasConfig", "x")).producerConfig();
        assertEquals("SSL", config.get("security.protocol"));
        assertEquals("/etc/ts.p12", config.get("ssl.truststore.location"));
        assertEquals("pw", config.get("ssl.truststore.password"));
        assertEquals("x", config.get("sasl.jaas.config"));
    }
}

package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of {@code amqp://} URLs and their options; no broker needed. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqSettingsTest {

    private static RabbitMqSettings parse(String url) {
        return parse(url, Map.of());
    }

    private static RabbitMqSettings parse(String url, Map<String, String> options) {
        return RabbitMqSettings.parse(URI.create(url), options);
    }

    @Test
    void a_full_url_gives_host_port_virtual_host_and_credentials() {
        RabbitMqSettings settings = parse("amqp://app:s3cret@broker.example:5673/orders");
        assertFalse(settings.tls());
        assertEquals("broker.example", settings.host());
        assertEquals(5673, settings.port());
        assertEquals("orders", settings.virtualHost());
        assertEquals("app", settings.user());
        assertEquals("s3cret", settings.password());
    }

    @Test
    void defaults_are_port_5672_the_root_virtual_host_and_guest() {
        RabbitMqSettings settings = parse("amqp://localhost");
        assertEquals(5672, settings.port());
        assertEquals("/", settings.virtualHost());
        assertEquals("guest", settings.user());
        assertEquals("guest", settings.password());
        assertEquals(RabbitMqSettings.QueueType.CLASSIC, settings.queueType());
        assertEquals(1000, settings.prefetchCap());
        assertEquals(Duration.ofSeconds(30), settings.confirmTimeout());
        assertEquals(Duration.ofSeconds(5), settings.connectTimeout());
        assertEquals(134_217_728L, settings.maxMessageBytes());
    }

    @Test
    void amqps_defaults_to_port_5671() {
        RabbitMqSettings settings = parse("amqps://h");
        assertTrue(settings.tls());
        assertEquals(5671, settings.port());
    }

    @Test
    void a_slash_or_an_encoded_slash_is_the_root_virtual_host() {
        assertEquals("/", parse("amqp://h:5672/").virtualHost());
        assertEquals("/", parse("amqp://h:5672/%2F").virtualHost());
        assertEquals("a/b", parse("amqp://h:5672/a%2Fb").virtualHost());
    }

    @Test
    void percent_encoded_credentials_are_decoded() {
        RabbitMqSettings settings = parse("amqp://us%40er:p%3Ass%2Bw@h/");
        assertEquals("us@er", settings.user());
        assertEquals("p:ss+w", settings.password());
    }

    @Test
    void options_are_read() {
        RabbitMqSettings settings = parse("amqp://h", Map.of("prefetch", "50", "confirmTimeout", "5s",
                "queueType", "quorum", "connectionName", "billing", "connectTimeout", "1500ms",
                "recoveryInterval", "PT3S", "maxMessageBytes", "1048576"));
        assertEquals(50, settings.prefetchCap());
        assertEquals(Duration.ofSeconds(5), settings.confirmTimeout());
        assertEquals(RabbitMqSettings.QueueType.QUORUM, settings.queueType());
        assertEquals("billing", settings.connectionName());
        assertEquals(Duration.ofMillis(1500), settings.connectTimeout());
        assertEquals(Duration.ofSeconds(3), settings.recoveryInterval());
        assertEquals(1_048_576L, settings.maxMessageBytes());
    }

    @Test
    void an_unknown_option_is_rejected_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("amqp://h", Map.of("prefech", "10")));
        assertTrue(e.getMessage().contains("'prefech'"), e.getMessage());
        assertTrue(e.getMessage().contains("prefetch"), "lists the known options: " + e.getMessage());
    }

    @Test
    void bad_option_values_are_rejected_naming_the_option() {
        for (Map.Entry<String, String> bad : Map.of("prefetch", "0", "confirmTimeout", "soon", "queueType", "stream",
                "connectTimeout", "-1s", "maxMessageBytes", "lots").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse("amqp://h", Map.of(bad.getKey(), bad.getValue())), bad.toString());
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }

    @Test
    void a_trust_store_needs_amqps_and_a_readable_file() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> parse("amqps://h", Map.of("trustStore", "/no/such/truststore.p12")));
        assertTrue(missing.getMessage().contains("trustStore"), missing.getMessage());
    }

    @Test
    void a_directory_as_trust_store_is_rejected_naming_the_option(@TempDir Path directory) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("amqps://h", Map.of("trustStore", directory.toString())));
        assertEquals("option trustStore names no readable file: '" + directory + "'", e.getMessage());
    }

    @Test
    void malformed_urls_are_rejected_naming_the_part() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("amqp://h:99999/"))
                .getMessage().contains("99999"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("amqp://h/a/b"))
                .getMessage().contains("virtual host"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("kafka://h"))
                .getMessage().contains("amqp://"));
    }

    @Test
    void the_password_never_appears_in_to_string_or_address() {
        RabbitMqSettings settings = parse("amqp://app:Sup3rS3cret@h:5672/v", Map.of("trustStorePassword", "TrustPw99"));
        assertFalse(settings.toString().contains("Sup3rS3cret"), settings.toString());
        assertFalse(settings.toString().contains("TrustPw99"), settings.toString());
        assertFalse(settings.address().contains("Sup3rS3cret"), settings.address());
        assertEquals("amqp://app@h:5672/v", settings.address());
    }

    @Test
    void an_encoded_percent_sign_in_the_password_is_decoded() {
        RabbitMqSettings settings = parse("amqp://app:Pw%25zz@h/");
        assertEquals("Pw%zz", settings.password());
        assertNull(settings.connectionName());
    }
}

package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsSettingsTest {

    private static AwsSettings parse(String url, Map<String, String> options) {
        return AwsSettings.parse(URI.create(url), options);
    }

    @Test
    void a_region_alone_uses_aws_and_the_default_chain_with_the_defaults() {
        AwsSettings settings = parse("aws://eu-west-1", Map.of());
        assertEquals("eu-west-1", settings.region());
        assertNull(settings.endpoint());
        assertNull(settings.accessKeyId());
        assertEquals(Duration.ofSeconds(30), settings.visibilityTimeout());
        assertEquals(Duration.ofSeconds(20), settings.waitTime());
        assertEquals(Duration.ofSeconds(30), settings.apiTimeout());
    }

    @Test
    void every_option_is_read() {
        AwsSettings settings = parse("aws://us-east-1", Map.of("endpoint", "http://127.0.0.1:5000", "accessKeyId", "AKID",
                "secretAccessKey", "sEcReT", "sessionToken", "tOkEn", "visibilityTimeout", "45s", "waitTime", "5s",
                "apiTimeout", "1m"));
        assertEquals(URI.create("http://127.0.0.1:5000"), settings.endpoint());
        assertEquals("AKID", settings.accessKeyId());
        assertEquals("sEcReT", settings.secretAccessKey());
        assertEquals("tOkEn", settings.sessionToken());
        assertEquals(45, settings.visibilitySeconds());
        assertEquals(Duration.ofSeconds(5), settings.waitTime());
        assertEquals(Duration.ofMinutes(1), settings.apiTimeout());
    }

    @Test
    void to_string_and_address_mask_the_secret_key_and_the_session_token() {
        AwsSettings settings = parse("aws://us-east-1", Map.of("accessKeyId", "AKID", "secretAccessKey", "sEcReT",
                "sessionToken", "tOkEn"));
        for (String shown : new String[] {settings.toString(), settings.address(), settings.scrub("key sEcReT token tOkEn")}) {
            assertFalse(shown.contains("sEcReT"), shown);
            assertFalse(shown.contains("tOkEn"), shown);
        }
        assertTrue(settings.toString().contains("AKID"), settings.toString());
    }

    @Test
    void a_region_that_is_not_one_is_refused_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("aws://localhost", Map.of()));
        assertTrue(e.getMessage().contains("'localhost'"), e.getMessage());
    }

    @Test
    void credentials_before_the_region_a_port_or_a_path_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> parse("aws://AKID:secret@us-east-1", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1:443", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1/queues", Map.of()));
    }

    @Test
    void an_access_key_without_its_secret_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("aws://us-east-1", Map.of("accessKeyId", "AKID")));
        assertTrue(e.getMessage().contains("secretAccessKey"), e.getMessage());
    }

    @Test
    void an_endpoint_that_is_not_an_http_url_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1", Map.of("endpoint", "127.0.0.1:5000")));
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1", Map.of("endpoint", "ftp://host")));
    }

    @Test
    void visibility_and_wait_times_in_fractions_of_a_second_or_out_of_range_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1", Map.of("visibilityTimeout", "1500ms")));
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1", Map.of("waitTime", "21s")));
        assertThrows(IllegalArgumentException.class, () -> parse("aws://us-east-1", Map.of("visibilityTimeout", "13h")));
    }

    @Test
    void an_unknown_option_is_refused_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("aws://us-east-1", Map.of("visibilityTimeot", "30s")));
        assertTrue(e.getMessage().contains("visibilityTimeot"), e.getMessage());
    }
}

package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NatsSettingsTest {

    private static NatsSettings parse(String url, Map<String, String> options) {
        return NatsSettings.parse(URI.create(url), options);
    }

    @Test
    void aPlainUrlHasTheDefaults() {
        NatsSettings settings = parse("nats://broker", Map.of());
        assertEquals(List.of("broker:4222"), settings.servers());
        assertFalse(settings.tls());
        assertEquals(NatsSettings.Storage.FILE, settings.storage());
        assertEquals(1, settings.replicas());
        assertEquals(Duration.ZERO, settings.maxAge());
        assertEquals(Duration.ofSeconds(30), settings.ackWait());
        assertEquals(Duration.ofSeconds(5), settings.connectTimeout());
        assertNull(settings.user());
        assertNull(settings.token());
    }

    @Test
    void severalServersAreSeparatedByCommas() {
        NatsSettings settings = parse("nats://h1:4223,h2,10.0.0.3:4224", Map.of());
        assertEquals(List.of("h1:4223", "h2:4222", "10.0.0.3:4224"), settings.servers());
        assertEquals("nats://h1:4223,h2:4222,10.0.0.3:4224", settings.address());
    }

    @Test
    void anIpv6ServerKeepsItsBrackets() {
        assertEquals(List.of("[::1]:4224"), parse("nats://[::1]:4224", Map.of()).servers());
        assertEquals(List.of("[::1]:4222"), parse("nats://[::1]", Map.of()).servers());
    }

    @Test
    void tlsSchemeMeansTls() {
        NatsSettings settings = parse("tls://secure.example:4443", Map.of());
        assertTrue(settings.tls());
        assertEquals("tls://secure.example:4443", settings.serverUrls()[0]);
    }

    @Test
    void userAndPasswordComeFromTheUrlAndNeverShow() {
        NatsSettings settings = parse("nats://ada:s%40cret%2Bx@h1:4222,h2:4222", Map.of());
        assertEquals("ada", settings.user());
        assertEquals("s@cret+x", settings.password());
        assertFalse(settings.toString().contains("cret"), settings.toString());
        assertFalse(settings.address().contains("cret"));
        assertFalse(settings.address().contains("ada"));
    }

    @Test
    void aLoneUserInfoIsAToken() {
        NatsSettings settings = parse("nats://t0ken@h1", Map.of());
        assertEquals("t0ken", settings.token());
        assertNull(settings.user());
        assertFalse(settings.toString().contains("t0ken"));
    }

    @Test
    void optionsAreParsed() {
        NatsSettings settings = parse("nats://h1", Map.of("storage", "memory", "replicas", "3", "maxAge", "7d",
                "ackWait", "500ms", "connectTimeout", "PT2S"));
        assertEquals(NatsSettings.Storage.MEMORY, settings.storage());
        assertEquals(3, settings.replicas());
        assertEquals(Duration.ofDays(7), settings.maxAge());
        assertEquals(Duration.ofMillis(500), settings.ackWait());
        assertEquals(Duration.ofSeconds(2), settings.connectTimeout());
    }

    @Test
    void anUnknownOptionIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("nats://h1", Map.of("stroage", "file")));
        assertTrue(e.getMessage().contains("stroage"), e.getMessage());
        assertTrue(e.getMessage().contains("storage"), e.getMessage());
    }

    @Test
    void badOptionValuesAreRejectedNamingTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("storage", "disk")))
                .getMessage().contains("storage"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("replicas", "0")))
                .getMessage().contains("replicas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("replicas", "x")))
                .getMessage().contains("replicas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("ackWait", "30")))
                .getMessage().contains("ackWait"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("ackWait", "0s")))
                .getMessage().contains("ackWait"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("nats://h1", Map.of("maxAge", "-PT1S")))
                .getMessage().contains("maxAge"));
        assertEquals(Duration.ZERO, parse("nats://h1", Map.of("maxAge", "0s")).maxAge());
    }

    @Test
    void malformedServersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> parse("nats://h1:99999", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("nats://h1:port", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("nats://h1,,h2", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("nats://h1/path", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> parse("amqp://h1", Map.of()));
    }

    @Test
    void trustStoreOptionsAreParsedForTls(@TempDir Path directory) throws IOException {
        Path store = Files.createFile(directory.resolve("trust.p12"));
        NatsSettings settings = parse("tls://h1", Map.of("trustStore", store.toString(), "trustStorePassword", "s3cret"));
        assertEquals(store, settings.trustStore());
        assertEquals("s3cret", settings.trustStorePassword());
        assertNull(parse("tls://h1", Map.of()).trustStore(), "no option: the JVM's trust store");
    }

    @Test
    void anUnreadableTrustStoreIsRejectedNamingTheOption(@TempDir Path directory) {
        String missing = directory.resolve("missing.p12").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("tls://h1", Map.of("trustStore", missing)));
        assertEquals("option trustStore names no readable file: '" + missing + "'", e.getMessage());
    }

    @Test
    void aDirectoryAsTrustStoreIsRejectedNamingTheOption(@TempDir Path directory) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("tls://h1", Map.of("trustStore", directory.toString())));
        assertEquals("option trustStore names no readable file: '" + directory + "'", e.getMessage());
    }

    @Test
    void theTrustStorePasswordNeverShows(@TempDir Path directory) throws IOException {
        Path store = Files.createFile(directory.resolve("trust.p12"));
        NatsSettings settings = parse("tls://h1", Map.of("trustStore", store.toString(), "trustStorePassword", "s3cret"));
        assertTrue(settings.toString().contains(store.toString()), settings.toString());
        assertFalse(settings.toString().contains("s3cret"), settings.toString());
        assertFalse(settings.address().contains("s3cret"));
    }

    @Test
    void aTrustStoreOnAPlainNatsUrlIsRejected(@TempDir Path directory) throws IOException {
        Path store = Files.createFile(directory.resolve("trust.p12"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("nats://h1", Map.of("trustStore", store.toString())));
        assertTrue(e.getMessage().contains("tls://"), e.getMessage());
    }

    @Test
    void aTrustStoreThatCannotBeLoadedFailsNamingTheFileAndNotThePassword(@TempDir Path directory) throws IOException {
        Path store = Files.writeString(directory.resolve("not-a-store.p12"), "not a key store");
        NatsSettings settings = parse("tls://h1", Map.of("trustStore", store.toString(), "trustStorePassword", "s3cret"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NatsTransport.sslContext(settings));
        assertTrue(e.getMessage().contains(store.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("trustStorePassword"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
}

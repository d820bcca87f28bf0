package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The SPI is what third-party transports compile against: it must not reach into internal. */
class LayeringTest {

    @Test
    void the_spi_does_not_depend_on_internal() throws IOException {
        assertNoImport(Path.of("src/main/java/dev/courier/spi"), "dev.courier.internal");
    }

    @Test
    void the_api_uses_internal_only_to_connect() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/courier/api"))) {
            List<Path> offenders = files.filter(f -> !f.endsWith("MessageBus.java"))
                    .filter(f -> read(f).contains("dev.courier.internal")).toList();
            assertTrue(offenders.isEmpty(), "api files importing internal: " + offenders);
        }
    }

    private static void assertNoImport(Path dir, String forbidden) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> offenders = files.filter(f -> read(f).contains(forbidden)).toList();
            assertTrue(offenders.isEmpty(), dir + " files importing " + forbidden + ": " + offenders);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TlsTrustTest {

    @Test
    void no_trust_store_means_the_jvm_default_context() throws Exception {
        assertEquals(SSLContext.getDefault(), TlsTrust.context(null, null));
    }

    @Test
    void a_key_store_file_is_loaded_with_its_password(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("trust.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (OutputStream out = Files.newOutputStream(file)) {
            empty.store(out, "changeit".toCharArray());
        }
        assertNotNull(TlsTrust.context(file, "changeit"));
    }

    @Test
    void a_file_that_is_no_key_store_fails_naming_it_and_not_the_password(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("not-a-store.p12"), "not a key store");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsTrust.context(file, "s3cret"));
        assertTrue(e.getMessage().contains("option trustStore '" + file + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("trustStorePassword"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
}

package dev.courier.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context behind a transport's {@code trustStore} and {@code trustStorePassword} URL
 * options, so every transport reads them the same way: no {@code trustStore}, the JVM's default
 * trust; with one, only the certificates in that key store file (PKCS12, or JKS).
 */
public final class TlsTrust {

    private TlsTrust() {
    }

    /**
     * The {@code trustStore} option's file, checked when the URL is read rather than at connect.
     *
     * @throws IllegalArgumentException when {@code value} names no readable regular file
     */
    public static Path trustStoreFile(String value) {
        Path file = Path.of(value);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("option trustStore names no readable file: '" + value + "'");
        }
        return file;
    }

    /**
     * The JVM's default TLS context when {@code trustStore} is {@code null} (its trust store, and
     * the {@code javax.net.ssl.*} system properties), else one trusting only what that file holds.
     *
     * @param trustStore a key store file, or {@code null}
     * @param password   its password, or {@code null}; never put in a message
     * @throws IllegalArgumentException when the file cannot be read as a key store, naming it and
     *                                  the options to check
     */
    public static SSLContext context(Path trustStore, String password) {
        try {
            if (trustStore == null) {
                return SSLContext.getDefault(); // also honours the javax.net.ssl.* system properties
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType()); // PKCS12; also reads JKS
            try (InputStream in = Files.newInputStream(trustStore)) {
                store.load(in, password == null ? null : password.toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(trustStore == null
                    ? "could not load the JVM's default TLS context: " + e.getClass().getSimpleName()
                    : "could not load option trustStore '" + trustStore + "': give a PKCS12 or JKS file and its"
                            + " trustStorePassword (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}

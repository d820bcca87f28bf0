package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConnectionException;
import dev.courier.api.MessageBus;
import dev.courier.testkit.Brokers;
import dev.courier.testkit.Inbox;
import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls://} against a {@code nats-server --tls} process of the test's own, with a self-signed
 * certificate for {@code 127.0.0.1} made at test time.
 */
@Tag("broker")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NatsTlsTest {

    private static final String OPENSSL = "/usr/bin/openssl";
    private static final String TRUST_STORE_PASSWORD = "trust-pw";

    @TempDir
    static Path directory;
    private static Path trustStore;
    private static NatsServerProcess server;

    /** One certificate and server for the class: generating an RSA key takes a while here. */
    @BeforeAll
    static void startTlsServer() throws Exception {
        Brokers.requireTool(NatsServerProcess.available(), "no nats-server binary at " + NatsServerProcess.BINARY);
        Brokers.requireTool(new File(OPENSSL).canExecute(), "no openssl at " + OPENSSL);
        Path certificate = directory.resolve("cert.pem");
        Path key = directory.resolve("key.pem");
        trustStore = directory.resolve("trust.p12");
        run(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", certificate.toString(), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importcert", "-noprompt",
                "-alias", "nats", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", TRUST_STORE_PASSWORD);
        server = new NatsServerProcess("", List.of("--tls", "--tlscert", certificate.toString(),
                "--tlskey", key.toString()));
    }

    @AfterAll
    static void stopTlsServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tls_with_a_given_trust_store_carries_messages() throws Exception {
        String url = server.url() + "?trustStore=" + URLEncoder.encode(trustStore.toString(), StandardCharsets.UTF_8)
                + "&trustStorePassword=" + TRUST_STORE_PASSWORD;
        String topic = NatsTestBroker.uniquePrefix() + ".tls";
        try (MessageBus bus = MessageBus.connect(url)) {
            Inbox<String> inbox = new Inbox<>();
            bus.subscribe(topic, "g", String.class, inbox);
            bus.publish(topic, "over TLS").toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals("over TLS", inbox.awaitCount(1, Duration.ofSeconds(20)).get(0).payload());
        }
    }

    @Test
    void tls_refuses_a_certificate_the_jvm_does_not_trust_naming_host_and_port() {
        ConnectionException failure = assertThrows(ConnectionException.class,
                () -> MessageBus.connect(server.url() + "?connectTimeout=2s"));
        assertTrue(failure.getMessage().contains("127.0.0.1:" + server.port()), failure.getMessage());
        assertTrue(failure.getMessage().contains("trustStore"), "tells what to do: " + failure.getMessage());
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}

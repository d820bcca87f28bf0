package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks the dev broker command makes before starting Kafka: what is taken is named in one
 * line, before any Kafka code runs. Starting and stopping the broker itself is covered by every
 * Kafka test ({@link KafkaTestBroker} runs it).
 */
class DevKafkaBrokerTest {

    @TempDir
    Path tmp;

    @Test
    void aBrokerPortInUseIsNamedWithHowToChooseAnother() throws IOException {
        try (ServerSocket taken = listening()) {
            DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, taken.getLocalPort(), 0, false);

            IllegalStateException refused = assertThrows(IllegalStateException.class, settings::checked);

            assertTrue(refused.getMessage().contains("broker port 127.0.0.1:" + taken.getLocalPort() + " is already in use"),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("-Dkafka.dev.port="), refused.getMessage());
        }
    }

    @Test
    void aControllerPortInUseIsNamed() throws IOException {
        try (ServerSocket taken = listening()) {
            DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, 0, taken.getLocalPort(), false);

            IllegalStateException refused = assertThrows(IllegalStateException.class, settings::checked);

            assertTrue(refused.getMessage().contains("controller port 127.0.0.1:" + taken.getLocalPort() + " is already in use"),
                    refused.getMessage());
        }
    }

    @Test
    void portZeroPicksTwoFreePortsAndTheUrlNamesTheBrokerPort() {
        DevKafkaBroker.Settings settings = DevKafkaBroker.Settings.parse(
                "--dir", tmp.toString(), "--port", "0", "--controller-port", "0").checked();

        assertTrue(settings.port() > 0 && settings.controllerPort() > 0, settings.toString());
        assertNotEquals(settings.port(), settings.controllerPort());
        assertEquals("kafka://127.0.0.1:" + settings.port(), settings.url());
    }

    @Test
    void freePortsAreKeptAsGiven() throws IOException {
        int[] free = KafkaTestBroker.freePorts(2);

        DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, free[0], free[1], false).checked();

        assertEquals(free[0], settings.port());
        assertEquals(free[1], settings.controllerPort());
    }

    @Test
    void theSamePortForBrokerAndControllerIsRefused() {
        DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, 19092, 19092, false);

        IllegalStateException refused = assertThrows(IllegalStateException.class, settings::checked);

        assertTrue(refused.getMessage().contains("both 19092"), refused.getMessage());
    }

    @Test
    void aDataDirectoryHeldByAnotherBrokerIsNamed() throws IOException {
        Path lockFile = Files.createDirectories(tmp.resolve("data")).resolve(".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, 0, 0, false);

            IllegalStateException refused = assertThrows(IllegalStateException.class, settings::checked);

            assertTrue(refused.getMessage().contains("data directory " + tmp + " is in use by another Kafka broker"),
                    refused.getMessage());
            assertTrue(held.isValid());
        }
    }

    @Test
    void aDataDirectoryLeftByAStoppedBrokerIsUsedAgain() throws IOException {
        Files.createFile(Files.createDirectories(tmp.resolve("data")).resolve(".lock"));

        DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(tmp, 0, 0, false).checked();

        assertEquals(tmp, settings.dir());
    }

    @Test
    void aDataDirectoryThatIsAFileIsRefused() throws IOException {
        Path file = Files.createFile(tmp.resolve("not-a-directory"));
        DevKafkaBroker.Settings settings = new DevKafkaBroker.Settings(file, 0, 0, false);

        IllegalStateException refused = assertThrows(IllegalStateException.class, settings::checked);

        assertTrue(refused.getMessage().contains("data directory " + file + " is a file"), refused.getMessage());
    }

    @Test
    void anUnknownArgumentIsNamedWithTheUsage() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DevKafkaBroker.Settings.parse("--prot", "9092"));

        assertTrue(refused.getMessage().contains("unknown argument --prot"), refused.getMessage());
        assertTrue(refused.getMessage().contains("--port P"), refused.getMessage());
    }

    @Test
    void aPortThatIsNotANumberIsNamed() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> DevKafkaBroker.Settings.parse("--port", "90x2"));

        assertTrue(refused.getMessage().contains("--port must be a port number"), refused.getMessage());
        assertTrue(refused.getMessage().contains("90x2"), refused.getMessage());
    }

    private static ServerSocket listening() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return socket;
    }
}

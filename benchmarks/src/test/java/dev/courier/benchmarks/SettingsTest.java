package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command-line options of the aws broker. */
class SettingsTest {

    @Test
    void awsIsABrokerToAskFor() {
        Settings settings = Settings.parse(new String[] {"--brokers", "AWS"});

        assertEquals(List.of("aws"), settings.brokers());
    }

    @Test
    void theDefaultRunLeavesAwsOut() {
        Settings settings = Settings.parse(new String[0]);

        assertEquals(List.of("memory", "amqp", "nats", "kafka"), settings.brokers());
    }

    @Test
    void withoutAnEndpointTheHarnessStartsItsOwnMotoServer() {
        Settings settings = Settings.parse(new String[] {"--brokers", "aws"});

        // unless $COURIER_AWS_ENDPOINT names one
        if (System.getenv("COURIER_AWS_ENDPOINT") == null) {
            assertNull(settings.awsEndpoint());
        }
    }

    @Test
    void aRunningMotoServerIsGivenByItsEndpoint() {
        Settings settings = Settings.parse(new String[] {"--brokers", "aws", "--aws-endpoint", "http://127.0.0.1:5000"});

        assertEquals("http://127.0.0.1:5000", settings.awsEndpoint());
    }

    @Test
    void anEndpointThatIsNotAnHttpAddressIsRefusedByName() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Settings.parse(new String[] {"--aws-endpoint", "127.0.0.1:5000"}));

        assertTrue(refused.getMessage().contains("--aws-endpoint"), refused.getMessage());
    }

    @Test
    void theUsageTextNamesTheAwsBroker() {
        String usage = Settings.usage();

        assertTrue(usage.contains("--brokers aws"), usage);
        assertTrue(usage.contains("--aws-endpoint"), usage);
        assertFalse(usage.contains("default: all four"), usage);
    }
}

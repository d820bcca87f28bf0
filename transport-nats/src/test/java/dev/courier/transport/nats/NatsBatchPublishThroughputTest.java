package dev.courier.transport.nats;

import dev.courier.api.BusOptions;
import dev.courier.testkit.BatchPublishThroughput;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints publishAll against single publish throughput at 100 B on the test broker (see
 * {@link BatchPublishThroughput}); run with {@code -Dcourier.measure=true}. Asserts nothing.
 */
@Tag("batch")
@EnabledIfSystemProperty(named = "courier.measure", matches = "true")
class NatsBatchPublishThroughputTest {

    @Test
    void prints_batch_and_single_publish_throughput() throws Exception {
        int messages = Integer.getInteger("courier.measure.messages", 50_000);
        System.out.println("MEASURE " + BatchPublishThroughput.measure(NatsTestBroker.URL,
                BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(120)), messages, 3));
    }
}

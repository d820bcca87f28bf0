package dev.courier.testkit;

import dev.courier.api.BusOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Prints batch against single publish throughput on memory://; run with {@code -Dcourier.measure=true}. */
@Tag("batch")
@EnabledIfSystemProperty(named = "courier.measure", matches = "true")
class MemoryBatchPublishThroughputTest {

    @Test
    void prints_batch_and_single_publish_throughput() throws Exception {
        System.out.println("MEASURE " + BatchPublishThroughput.measure("memory://batch-measure", BusOptions.defaults(), 200_000, 3));
    }
}

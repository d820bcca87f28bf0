package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnkeyedPartitionsTest {

    private final AtomicLong now = new AtomicLong();
    private final UnkeyedPartitions partitions = new UnkeyedPartitions(1_000, 5_000_000, now::get);

    @Test
    void records_sent_together_fill_one_partitions_batch() {
        Integer first = partitions.next("t", 3, 100);
        for (int i = 0; i < 9; i++) {
            assertEquals(first, partitions.next("t", 3, 100), "record " + i + " of the same batch");
        }
    }

    @Test
    void a_run_moves_to_the_next_partition_after_the_record_that_overflows_its_batch() {
        Integer first = null;
        for (int i = 0; i < 10; i++) {
            first = partitions.next("t", 3, 100);
        }
        assertEquals(first, partitions.next("t", 3, 100), "the record that closes the full batch");
        assertEquals((first + 1) % 3, partitions.next("t", 3, 100));
    }

    @Test
    void records_further_apart_than_the_linger_go_to_each_partition_in_turn() {
        Set<Integer> used = new HashSet<>();
        Integer previous = null;
        for (int i = 0; i < 3; i++) {
            Integer partition = partitions.next("t", 3, 100);
            assertNotEquals(previous, partition);
            used.add(partition);
            previous = partition;
            now.addAndGet(5_000_000);
        }
        assertEquals(Set.of(0, 1, 2), used);
    }

    @Test
    void a_topic_of_one_partition_or_unknown_is_left_to_the_producer() {
        assertNull(partitions.next("t", 1, 100));
        assertNull(partitions.next("t", null, 100));
    }

    @Test
    void runs_are_sized_from_the_producers_batch_size_and_linger() {
        // batch.size counts the batch's 61-byte header too
        UnkeyedPartitions sized = UnkeyedPartitions.forProducer(Map.of("batch.size", "261", "linger.ms", 5), now::get);
        Integer first = sized.next("t", 2, 150);
        assertEquals(first, sized.next("t", 2, 50));
        assertEquals(first, sized.next("t", 2, 1), "the record that closes the full batch");
        Integer second = sized.next("t", 2, 1);
        assertNotEquals(first, second);
        now.addAndGet(5_000_001);
        assertNotEquals(second, sized.next("t", 2, 1), "a record after linger.ms starts a run elsewhere");
    }

    /**
     * The producer's own accounting decides: a run ends with the first record that does not fit in
     * the producer's batch (it makes the producer send the full batch at once), and the next record
     * goes to another partition; ending earlier leaves the batch waiting for linger.ms, later opens
     * a second batch on the partition that waits alone.
     */
    @ParameterizedTest
    @CsvSource({"CLOUDEVENTS, 100", "CLOUDEVENTS, 1024", "MINIMAL, 100", "MINIMAL, 1024", "MINIMAL, 7"})
    void a_run_ends_with_the_record_that_does_not_fit_in_the_producers_batch(EnvelopeForm form, int payloadBytes) {
        int batchSize = 16_384;
        UnkeyedPartitions runs = new UnkeyedPartitions(batchSize - UnkeyedPartitions.BATCH_HEADER_BYTES, 5_000_000, now::get);
        MemoryRecordsBuilder batch = MemoryRecords.builder(ByteBuffer.allocate(batchSize), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        Integer first = null;
        for (int i = 0; ; i++) {
            Envelope envelope = new Envelope(UUID.randomUUID().toString(), Destination.topic("orders"), null,
                    i % 2 == 0 ? Map.of() : Map.of("trace", "t-" + i, "grüße", "👋"), new byte[payloadBytes],
                    "application/octet-stream", Instant.ofEpochMilli(1_700_000_000_000L + i / 10));
            Integer[] chosen = new Integer[1];
            ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(envelope, "orders", form,
                    (topic, bytes) -> chosen[0] = runs.next(topic, 3, bytes));
            Header[] headers = record.headers().toArray();
            if (first == null) {
                first = chosen[0];
            }
            assertEquals(first, chosen[0], "record " + i + " fits in the batch or is the first that does not");
            if (!batch.hasRoomFor(record.timestamp(), record.key(), record.value(), headers)) {
                assertTrue(i > 1, "the batch holds " + i + " records");
                Integer[] next = new Integer[1];
                KafkaRecords.toRecord(envelope, "orders", form, (topic, bytes) -> next[0] = runs.next(topic, 3, bytes));
                assertNotEquals(first, next[0], "the record after the one that did not fit");
                return;
            }
            batch.append(record.timestamp(), record.key(), record.value(), headers);
        }
    }
}

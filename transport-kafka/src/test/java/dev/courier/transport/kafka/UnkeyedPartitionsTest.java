package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UnkeyedPartitionsTest {

    private final AtomicLong now = new AtomicLong();
    private final UnkeyedPartitions partitions = new UnkeyedPartitions(5_000_000, now::get);

    @Test
    void records_sent_close_together_are_left_to_the_producers_partitioner() {
        assertNotNull(partitions.next("t", 3), "the topic's first record");
        for (int i = 0; i < 100; i++) {
            now.addAndGet(4_999_999);
            assertNull(partitions.next("t", 3), "record " + i + " within linger.ms of the one before");
        }
    }

    @Test
    void records_further_apart_than_the_linger_go_to_each_partition_in_turn() {
        Set<Integer> used = new HashSet<>();
        Integer previous = null;
        for (int i = 0; i < 6; i++) {
            Integer partition = partitions.next("t", 3);
            assertNotNull(partition);
            if (previous != null) {
                assertEquals((previous + 1) % 3, partition);
            }
            used.add(partition);
            previous = partition;
            now.addAndGet(5_000_000);
        }
        assertEquals(Set.of(0, 1, 2), used);
    }

    @Test
    void a_record_after_a_pause_ends_a_stream_on_the_next_partition_in_turn() {
        Integer first = partitions.next("t", 3);
        for (int i = 0; i < 10; i++) {
            partitions.next("t", 3);
        }
        now.addAndGet(5_000_000);
        assertEquals((first + 1) % 3, partitions.next("t", 3));
    }

    @Test
    void each_topic_pauses_on_its_own() {
        partitions.next("a", 3);
        assertNotNull(partitions.next("b", 3), "the first record of another topic");
        assertNull(partitions.next("a", 3));
    }

    @Test
    void a_topic_of_one_partition_or_unknown_is_left_to_the_producer() {
        assertNull(partitions.next("t", 1));
        assertNull(partitions.next("t", null));
    }

    @Test
    void the_pause_is_the_producers_linger() {
        UnkeyedPartitions sized = UnkeyedPartitions.forProducer(Map.of("linger.ms", "20"), now::get);
        sized.next("t", 3);
        now.addAndGet(19_999_999);
        assertNull(sized.next("t", 3));
        now.addAndGet(20_000_000);
        assertNotNull(sized.next("t", 3));
    }

    @Test
    void a_producer_that_does_not_linger_pauses_for_a_millisecond() {
        UnkeyedPartitions eager = UnkeyedPartitions.forProducer(Map.of("linger.ms", 0), now::get);
        eager.next("t", 3);
        now.addAndGet(999_999);
        assertNull(eager.next("t", 3));
        now.addAndGet(1_000_000);
        assertNotNull(eager.next("t", 3));
    }
}

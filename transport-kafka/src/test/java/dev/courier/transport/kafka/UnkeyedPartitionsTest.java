package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

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
    void a_run_moves_to_the_next_partition_once_it_holds_a_batch() {
        Integer first = null;
        for (int i = 0; i < 10; i++) {
            first = partitions.next("t", 3, 100);
        }
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
        UnkeyedPartitions sized = UnkeyedPartitions.forProducer(Map.of("batch.size", "200", "linger.ms", 5));
        Integer first = sized.next("t", 2, 150);
        assertEquals(first, sized.next("t", 2, 50));
        assertNotEquals(first, sized.next("t", 2, 1));
    }
}

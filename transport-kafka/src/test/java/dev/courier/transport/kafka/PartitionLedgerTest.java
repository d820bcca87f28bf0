package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PartitionLedgerTest {

    private static void handOut(PartitionLedger ledger, long offset, Object delivery) {
        ledger.handOut(offset, delivery, ledger.nextDeliveryCount(offset));
    }

    @Test
    void the_commit_advances_only_over_the_contiguous_acked_prefix() {
        PartitionLedger ledger = new PartitionLedger();
        for (long offset = 10; offset < 14; offset++) {
            handOut(ledger, offset, "d" + offset);
        }
        ledger.ack(11);
        ledger.ack(13);
        assertEquals(OptionalLong.empty(), ledger.takeCommit(), "10 is not done: nothing to commit");
        ledger.ack(10);
        assertEquals(OptionalLong.of(12), ledger.takeCommit(), "10 and 11 done, 12 still running");
        assertEquals(OptionalLong.empty(), ledger.takeCommit());
        ledger.ack(12);
        assertEquals(OptionalLong.of(14), ledger.takeCommit());
        assertEquals(0, ledger.unsettled());
    }

    @Test
    void offsets_skipped_by_the_log_do_not_stop_the_commit() {
        PartitionLedger ledger = new PartitionLedger();
        handOut(ledger, 3, "a");
        handOut(ledger, 7, "b"); // 4-6 compacted away or transaction markers
        ledger.ack(7);
        ledger.ack(3);
        assertEquals(OptionalLong.of(8), ledger.takeCommit());
    }

    @Test
    void a_rewind_forgets_the_record_and_every_later_one_and_counts_their_next_delivery() {
        PartitionLedger ledger = new PartitionLedger();
        handOut(ledger, 0, "a");
        handOut(ledger, 1, "b");
        handOut(ledger, 2, "c");
        assertEquals(1, ledger.rewind(1), "c was handed out after b");
        assertFalse(ledger.isCurrent(1, "b"));
        assertFalse(ledger.isCurrent(2, "c"));
        assertTrue(ledger.isCurrent(0, "a"));
        assertEquals(2, ledger.nextDeliveryCount(1));
        assertEquals(2, ledger.nextDeliveryCount(2));
        assertEquals(1, ledger.nextDeliveryCount(3));
        handOut(ledger, 1, "b2");
        assertEquals(2, ledger.rewind(0) + 1, "a and b2 forgotten");
        assertEquals(3, ledger.nextDeliveryCount(1));
    }

    @Test
    void a_failed_commit_is_offered_again() {
        PartitionLedger ledger = new PartitionLedger();
        handOut(ledger, 0, "a");
        ledger.ack(0);
        assertEquals(OptionalLong.of(1), ledger.takeCommit());
        ledger.commitFailed();
        assertEquals(OptionalLong.of(1), ledger.takeCommit());
    }

    @Test
    void an_offset_handed_out_again_or_out_of_order_is_tracked_like_any_other() {
        PartitionLedger ledger = new PartitionLedger();
        handOut(ledger, 5, "a");
        handOut(ledger, 9, "c");
        handOut(ledger, 7, "b"); // out of order
        handOut(ledger, 9, "c2"); // again: c is stale
        assertFalse(ledger.isCurrent(9, "c"));
        assertTrue(ledger.isCurrent(9, "c2"));
        assertEquals(3, ledger.unsettled());
        ledger.ack(5);
        ledger.ack(9);
        assertEquals(OptionalLong.of(6), ledger.takeCommit());
        ledger.ack(7);
        assertEquals(OptionalLong.of(10), ledger.takeCommit());
    }

    /** The ring against the plain model it replaced (a sorted map of offsets), over random hand-outs, acks and rewinds. */
    @Test
    void random_hand_outs_acks_and_rewinds_agree_with_a_sorted_map() {
        java.util.Random random = new java.util.Random(21);
        for (int run = 0; run < 200; run++) {
            PartitionLedger ledger = new PartitionLedger();
            java.util.TreeMap<Long, Object[]> model = new java.util.TreeMap<>(); // offset -> {delivery, acked}
            long committable = -1;
            long next = 0;
            for (int step = 0; step < 500; step++) {
                int action = random.nextInt(10);
                if (action < 5 || model.isEmpty()) {
                    next += 1 + (random.nextInt(8) == 0 ? random.nextInt(5) : 0);
                    Object delivery = new Object();
                    handOut(ledger, next, delivery);
                    model.put(next, new Object[] {delivery, false});
                } else if (action < 9) {
                    Long offset = randomKey(model, random);
                    ledger.ack(offset);
                    model.get(offset)[1] = true;
                    while (!model.isEmpty() && (Boolean) model.firstEntry().getValue()[1]) {
                        committable = model.pollFirstEntry().getKey() + 1;
                    }
                } else {
                    Long offset = randomKey(model, random);
                    int later = model.tailMap(offset, true).size() - 1;
                    assertEquals(later, ledger.rewind(offset));
                    model.tailMap(offset, true).clear();
                    next = offset - 1;
                }
                long unsettled = model.values().stream().filter(slot -> !(Boolean) slot[1]).count();
                assertEquals(unsettled, ledger.unsettled(), "run " + run + " step " + step);
                for (java.util.Map.Entry<Long, Object[]> slot : model.entrySet()) {
                    assertTrue(ledger.isCurrent(slot.getKey(), slot.getValue()[0]));
                }
                OptionalLong commit = ledger.takeCommit();
                if (commit.isPresent()) {
                    assertEquals(committable, commit.getAsLong());
                }
            }
        }
    }

    private static Long randomKey(java.util.TreeMap<Long, Object[]> model, java.util.Random random) {
        Long[] keys = model.keySet().toArray(new Long[0]);
        return keys[random.nextInt(keys.length)];
    }
}

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
}

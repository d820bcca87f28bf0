package dev.courier.transport.kafka;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The offsets of one assigned partition that were handed out and not yet committed, so a commit
 * never skips an unfinished record: the committable offset advances only over the contiguous
 * prefix of acked records. Also counts local redeliveries (after a reject), since Kafka does not.
 *
 * <p>A new ledger is made each time the partition is assigned; a delivery belongs to the ledger
 * that handed it out and is stale once that ledger is gone or no longer tracks it.
 *
 * <p>Not thread safe: used only by its consumer's poll thread.
 */
final class PartitionLedger {

    /** Offset → the delivery handed out at that offset, with whether it is acked. */
    private final TreeMap<Long, Slot> outstanding = new TreeMap<>();
    /** Offset → how often it was handed out before and given back (reject or rewind). */
    private final TreeMap<Long, Integer> earlierDeliveries = new TreeMap<>();
    private long committable = -1;
    private boolean dirty;

    /** The delivery count the record at {@code offset} gets when handed out now: 1 the first time. */
    int nextDeliveryCount(long offset) {
        return earlierDeliveries.getOrDefault(offset, 0) + 1;
    }

    /** Records {@code delivery}, the {@code count}-th delivery of the record at {@code offset}. */
    void handOut(long offset, Object delivery, int count) {
        outstanding.put(offset, new Slot(delivery, count));
    }

    /** Whether {@code delivery} is still the one this ledger tracks at {@code offset}. */
    boolean isCurrent(long offset, Object delivery) {
        Slot slot = outstanding.get(offset);
        return slot != null && slot.delivery == delivery;
    }

    /** Marks the record at {@code offset} handled and advances the committable offset over the acked prefix. */
    void ack(long offset) {
        Slot slot = outstanding.get(offset);
        if (slot == null) {
            return;
        }
        slot.acked = true;
        while (!outstanding.isEmpty() && outstanding.firstEntry().getValue().acked) {
            committable = outstanding.pollFirstEntry().getKey() + 1;
            dirty = true;
        }
        if (!earlierDeliveries.isEmpty()) {
            earlierDeliveries.headMap(committable).clear();
        }
    }

    /**
     * Forgets the record at {@code offset} and every later one handed out (they will be fetched again
     * from {@code offset}), remembering that each was delivered once more. Returns how many later
     * records were forgotten besides {@code offset} itself.
     */
    int rewind(long offset) {
        Map<Long, Slot> tail = outstanding.tailMap(offset, true);
        int later = Math.max(0, tail.size() - 1);
        tail.forEach((at, slot) -> earlierDeliveries.put(at, slot.count));
        tail.clear();
        return later;
    }

    /** Handed out and neither acked nor given back. */
    int unsettled() {
        int count = 0;
        for (Slot slot : outstanding.values()) {
            if (!slot.acked) {
                count++;
            }
        }
        return count;
    }

    /** The offset to commit if it moved since the last call: the next record to read after the acked prefix. */
    OptionalLong takeCommit() {
        if (!dirty) {
            return OptionalLong.empty();
        }
        dirty = false;
        return OptionalLong.of(committable);
    }

    /** The committable offset must be committed again (a commit failed). */
    void commitFailed() {
        if (committable >= 0) {
            dirty = true;
        }
    }

    /** One handed-out record. */
    private static final class Slot {
        final Object delivery;
        final int count;
        boolean acked;

        Slot(Object delivery, int count) {
            this.delivery = delivery;
            this.count = count;
        }
    }
}

package dev.courier.transport.kafka;

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

    // The records handed out and not yet committed, by ascending offset, in a ring (offsets come in
    // order: a fetch hands them out so, and a rewind forgets the tail it fetches again). A TreeMap of
    // boxed offsets cost a log-time insert and an allocation or three per record on the poll thread.
    private long[] offsets = new long[16];
    private Object[] deliveries = new Object[16];
    private int[] counts = new int[16];
    private boolean[] acked = new boolean[16];
    private int head;
    private int size;
    /** Offset → how often it was handed out before and given back (reject or rewind). */
    private final TreeMap<Long, Integer> earlierDeliveries = new TreeMap<>();
    private long committable = -1;
    private boolean dirty;

    /** The delivery count the record at {@code offset} gets when handed out now: 1 the first time. */
    int nextDeliveryCount(long offset) {
        return earlierDeliveries.isEmpty() ? 1 : earlierDeliveries.getOrDefault(offset, 0) + 1;
    }

    /** Records {@code delivery}, the {@code count}-th delivery of the record at {@code offset}. */
    void handOut(long offset, Object delivery, int count) {
        int index = size == 0 || offsets[slot(size - 1)] < offset ? size : lowerBound(offset);
        if (index < size && offsets[slot(index)] == offset) {
            set(slot(index), offset, delivery, count); // handed out again: the earlier delivery is stale
            return;
        }
        if (size == offsets.length) {
            grow();
        }
        for (int i = size; i > index; i--) { // only when an offset comes out of order; appends move nothing
            int to = slot(i);
            int from = slot(i - 1);
            set(to, offsets[from], deliveries[from], counts[from]);
            acked[to] = acked[from];
        }
        size++;
        set(slot(index), offset, delivery, count);
    }

    /** Whether {@code delivery} is still the one this ledger tracks at {@code offset}. */
    boolean isCurrent(long offset, Object delivery) {
        int index = indexOf(offset);
        return index >= 0 && deliveries[slot(index)] == delivery;
    }

    /** Marks the record at {@code offset} handled and advances the committable offset over the acked prefix. */
    void ack(long offset) {
        int index = indexOf(offset);
        if (index < 0) {
            return;
        }
        acked[slot(index)] = true;
        while (size > 0 && acked[head]) {
            committable = offsets[head] + 1;
            deliveries[head] = null;
            head = (head + 1) & (offsets.length - 1);
            size--;
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
        int from = lowerBound(offset);
        int forgotten = size - from;
        for (int i = from; i < size; i++) {
            int at = slot(i);
            earlierDeliveries.put(offsets[at], counts[at]);
            deliveries[at] = null;
        }
        size = from;
        return Math.max(0, forgotten - 1);
    }

    /** Handed out and neither acked nor given back. */
    int unsettled() {
        int count = 0;
        for (int i = 0; i < size; i++) {
            if (!acked[slot(i)]) {
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

    private int slot(int index) {
        return (head + index) & (offsets.length - 1);
    }

    private void set(int slot, long offset, Object delivery, int count) {
        offsets[slot] = offset;
        deliveries[slot] = delivery;
        counts[slot] = count;
        acked[slot] = false;
    }

    /** The index (0 = oldest) of the record at {@code offset}, or -1. Acks come mostly in order: the oldest first. */
    private int indexOf(long offset) {
        if (size == 0) {
            return -1;
        }
        if (offsets[head] == offset) {
            return 0;
        }
        int index = lowerBound(offset);
        return index < size && offsets[slot(index)] == offset ? index : -1;
    }

    /** The index of the first record at {@code offset} or later ({@code size} if none). */
    private int lowerBound(long offset) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (offsets[slot(middle)] < offset) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private void grow() {
        int capacity = offsets.length * 2;
        long[] newOffsets = new long[capacity];
        Object[] newDeliveries = new Object[capacity];
        int[] newCounts = new int[capacity];
        boolean[] newAcked = new boolean[capacity];
        for (int i = 0; i < size; i++) {
            int from = slot(i);
            newOffsets[i] = offsets[from];
            newDeliveries[i] = deliveries[from];
            newCounts[i] = counts[from];
            newAcked[i] = acked[from];
        }
        offsets = newOffsets;
        deliveries = newDeliveries;
        counts = newCounts;
        acked = newAcked;
        head = 0;
    }
}

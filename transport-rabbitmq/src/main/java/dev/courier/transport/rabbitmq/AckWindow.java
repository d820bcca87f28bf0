package dev.courier.transport.rabbitmq;

import java.io.IOException;

/**
 * The delivery tags of one consumer channel incarnation, from the oldest one not yet settled on
 * the wire to the newest delivered, so that acks go to the broker in runs: one
 * {@code basic.ack(multiple=true)} settles every tag up to the newest of a contiguous run of acked
 * deliveries, instead of one frame (and one broker round of work) per message.
 *
 * <p>Outcomes stay exact: a multiple ack is only sent for a tag whose every older tag is acked
 * too or already settled on the wire (a reject goes out at once, on its own), so it never settles
 * a delivery still being handled or one that was rejected. Acks newer than a delivery still being
 * handled go out one by one at the next flush, so a slow message never holds back the acks
 * behind it (they would count against the prefetch). An ack waits for a flush: at once when
 * {@code batch} acks wait, else within the consumer's flush delay, and on close.
 *
 * <p>Thread safe: deliveries come from the channel's dispatch thread, acks and rejects from any
 * thread; the wire calls are made under this object's lock, so they go out in the order decided.
 */
final class AckWindow {

    /** Where settlements go: the channel. */
    interface Wire {
        void ack(long tag, boolean multiple) throws IOException;

        void requeue(long tag) throws IOException;
    }

    /** What the caller of {@link #ack} does next. */
    enum Next {
        /** The tag is not tracked (closed, or never delivered): ack it on its own, or not at all. */
        UNTRACKED,
        /** A flush is due or already scheduled: nothing. */
        NOTHING,
        /** Schedule a {@link #flush} soon. */
        SCHEDULE,
        /** Call {@link #flush} now: {@code batch} acks wait. */
        FLUSH
    }

    private static final byte UNSETTLED = 0;
    private static final byte ACKED = 1;
    private static final byte SETTLED = 2;

    private final int batch;
    /** Every tag up to this one is settled on the wire (or was never delivered on this channel). */
    private long base = -1;
    /** The states of tags {@code base + 1} to {@code base + size}, a ring from {@code head}. */
    private byte[] states = new byte[64];
    private int head;
    private int size;
    private int acked;
    private boolean flushScheduled;
    private boolean closed;

    /** @param batch how many acks may wait for a flush (1: every ack goes out at once) */
    AckWindow(int batch) {
        this.batch = Math.max(1, batch);
    }

    /** Records a delivery, in tag order. */
    synchronized void delivered(long tag) {
        if (closed) {
            return;
        }
        if (base < 0 || size == 0 && tag > base) {
            base = tag - 1;
        }
        long next = base + size + 1;
        if (tag < next) {
            return; // out of order (never seen): its settlement goes out on its own
        }
        for (; next < tag; next++) {
            push(SETTLED); // a tag this channel never delivered: nothing to settle
        }
        push(UNSETTLED);
    }

    /** Records the ack of {@code tag}, to go out at a {@link #flush}; says what the caller does next. */
    synchronized Next ack(long tag) {
        int index = index(tag);
        if (closed || index < 0 || states[index] != UNSETTLED) {
            return Next.UNTRACKED;
        }
        states[index] = ACKED;
        acked++;
        if (acked >= batch) {
            return Next.FLUSH;
        }
        if (flushScheduled) {
            return Next.NOTHING;
        }
        flushScheduled = true;
        return Next.SCHEDULE;
    }

    /** Returns {@code tag} to the queue at once (it no longer counts as waiting). */
    synchronized void requeue(long tag, Wire wire) throws IOException {
        int index = index(tag);
        if (index >= 0 && states[index] == UNSETTLED) {
            states[index] = SETTLED;
        }
        wire.requeue(tag);
    }

    /**
     * Sends the waiting acks: one multiple ack for the run of settled tags at the oldest end,
     * then one ack each for those after a tag still being handled.
     */
    synchronized void flush(Wire wire) throws IOException {
        flushScheduled = false;
        if (acked == 0 || closed) {
            return;
        }
        long runEnd = 0;
        int inRun = 0;
        while (size > 0 && states[head] != UNSETTLED) {
            base++;
            if (states[head] == ACKED) {
                runEnd = base;
                inRun++;
            }
            head = (head + 1) % states.length;
            size--;
        }
        int rest = acked - inRun;
        acked = 0;
        if (runEnd > 0) {
            wire.ack(runEnd, true);
        }
        for (int i = 0; rest > 0 && i < size; i++) {
            int index = (head + i) % states.length;
            if (states[index] == ACKED) {
                states[index] = SETTLED;
                rest--;
                wire.ack(base + 1 + i, false);
            }
        }
    }

    /** Forgets every waiting ack: the channel is gone, and the broker has put those messages back. */
    synchronized void close() {
        closed = true;
        acked = 0;
        size = 0;
    }

    /** How many acks wait for a flush. */
    synchronized int waiting() {
        return acked;
    }

    private int index(long tag) {
        long offset = tag - base - 1;
        return base < 0 || offset < 0 || offset >= size ? -1 : (int) ((head + offset) % states.length);
    }

    private void push(byte state) {
        if (size == states.length) {
            byte[] grown = new byte[states.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = states[(head + i) % states.length];
            }
            states = grown;
            head = 0;
        }
        states[(head + size) % states.length] = state;
        size++;
    }
}

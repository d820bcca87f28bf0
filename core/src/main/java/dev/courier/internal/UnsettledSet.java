package dev.courier.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages a subscription received and has not settled yet: a set whose members link to one
 * another ({@link Member}), so that adding and removing one allocates nothing and computes no hash.
 * It replaced a {@code ConcurrentHashMap} key set whose node allocation, identity hashing and
 * size counter, shared by the thread delivering and the thread settling, led the CPU profile of
 * the memory:// benchmark. Thread safe: one short lock per change; {@link #size()} takes none.
 */
final class UnsettledSet<T extends UnsettledSet.Member<T>> {

    /** What the set holds: its links, guarded by the set's lock. */
    abstract static class Member<T> {
        private T previous;
        private T next;
        private boolean held;
    }

    private T first;
    private volatile int size;

    /** Adds {@code member}, which must not be in a set. */
    synchronized void add(T member) {
        Member<T> node = member;
        node.held = true;
        node.next = first;
        if (first != null) {
            ((Member<T>) first).previous = member;
        }
        first = member;
        size++;
    }

    /** Removes {@code member}; false when it was not in the set (so exactly one remover gets true). */
    synchronized boolean remove(T member) {
        Member<T> node = member;
        if (!node.held) {
            return false;
        }
        node.held = false;
        if (node.previous != null) {
            ((Member<T>) node.previous).next = node.next;
        } else {
            first = node.next;
        }
        if (node.next != null) {
            ((Member<T>) node.next).previous = node.previous;
        }
        node.previous = null;
        node.next = null;
        size--;
        return true;
    }

    int size() {
        return size;
    }

    /** The members now, to go through while others are added or removed. */
    synchronized List<T> snapshot() {
        List<T> members = new ArrayList<>(size);
        for (T member = first; member != null; member = ((Member<T>) member).next) {
            members.add(member);
        }
        return members;
    }
}

package dev.courier.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs for message ids, drawn from {@link ThreadLocalRandom}: ids must be
 * unique, not secret, and {@link UUID#randomUUID()}'s shared {@code SecureRandom} is a lock every
 * publishing thread would queue on.
 */
final class MessageIds {

    private MessageIds() {
    }

    static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;                      // version 4
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(high, low).toString();
    }
}

package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void ids_are_version_4_uuids() {
        UUID id = UUID.fromString(MessageIds.next());
        assertEquals(4, id.version());
        assertEquals(2, id.variant());
    }

    @Test
    void a_hundred_thousand_ids_are_distinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(MessageIds.next());
        }
        assertEquals(100_000, ids.size());
    }
}

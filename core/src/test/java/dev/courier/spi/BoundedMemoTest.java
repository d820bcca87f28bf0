package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedMemoTest {

    @Test
    void a_value_is_computed_once_per_key() {
        List<String> computed = new ArrayList<>();
        BoundedMemo<String, String> memo = new BoundedMemo<>(4, name -> {
            computed.add(name);
            return "/courier/" + name;
        });

        String first = memo.get("orders");
        String second = memo.get("orders");

        assertEquals("/courier/orders", first);
        assertSame(first, second, "every caller is handed the kept instance");
        assertEquals(List.of("orders"), computed);
    }

    @Test
    void beyond_the_bound_values_are_computed_but_not_kept() {
        List<String> computed = new ArrayList<>();
        BoundedMemo<String, String> memo = new BoundedMemo<>(1, type -> {
            computed.add(type);
            return new String(type);
        });
        memo.get("kept");

        String once = memo.get("one-of-many");
        String again = memo.get("one-of-many");

        assertEquals("one-of-many", again);
        assertNotSame(once, again, "a value past the bound is computed afresh");
        assertEquals(List.of("kept", "one-of-many", "one-of-many"), computed);
        memo.get("kept");
        assertEquals(3, computed.size(), "what was kept before the bound stays kept");
    }

    @Test
    void a_bound_that_is_not_positive_is_refused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new BoundedMemo<String, String>(0, String::trim));

        assertEquals("a memo's bound must be positive (use the function itself to keep nothing): 0", refused.getMessage());
    }

    @Test
    void a_function_that_returns_null_is_refused() {
        BoundedMemo<String, String> memo = new BoundedMemo<>(4, name -> null);

        assertThrows(NullPointerException.class, () -> memo.get("orders"));
    }
}

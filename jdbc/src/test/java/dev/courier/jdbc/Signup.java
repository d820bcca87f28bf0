package dev.courier.jdbc;

import dev.courier.api.EventType;

/** A test event: the {@code n}th signup of {@code user}. */
@EventType("test.signup")
record Signup(String user, int n) {
}

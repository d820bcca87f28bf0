package dev.courier.testkit;

import java.time.Instant;
import java.util.List;

/**
 * A JSON payload used by the suite: a record with java.time and collection fields.
 *
 * @param text    some text
 * @param number  a number
 * @param sentAt  an instant
 * @param tags    a list
 */
public record Greeting(String text, int number, Instant sentAt, List<String> tags) {
}

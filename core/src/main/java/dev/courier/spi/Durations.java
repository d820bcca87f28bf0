package dev.courier.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way a duration is written in a broker URL or a transport option, for every transport:
 * a whole number with a unit, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or
 * ISO-8601 ({@code PT30S}, {@code P1D}). A bare number is refused, so {@code 30} never means
 * milliseconds to one transport and seconds to another. Stateless and thread safe.
 */
public final class Durations {

    /** What the syntax looks like, for messages. */
    public static final String SYNTAX = "a duration such as 500ms, 30s, 5m, 2h, 1d or PT30S";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code text} (surrounding blanks ignored); a negative ISO-8601 duration is returned
     * as such, for the caller's range check to refuse.
     *
     * @throws IllegalArgumentException when {@code text} is not written in the syntax above; the
     *                                  message says what is expected, not what was given
     */
    public static Duration parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        Matcher matcher = WITH_UNIT.matcher(trimmed);
        try {
            if (matcher.matches()) {
                long amount = Long.parseLong(matcher.group(1));
                return switch (matcher.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            }
            return Duration.parse(trimmed);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("a duration that is too long");
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(trimmed.matches("-?\\d+")
                    ? SYNTAX + "; a bare number has no unit, write for example " + trimmed + "ms or " + trimmed + "s"
                    : SYNTAX);
        }
    }

    /** {@code duration} in the shortest exact form of this syntax: {@code 0s}, {@code 1500ms}, {@code 30s}, {@code 7d}. */
    public static String format(Duration duration) {
        if (duration == null || duration.isZero()) {
            return "0s";
        }
        if (duration.getNano() % 1_000_000 != 0) {
            return duration.toString();
        }
        if (duration.getNano() != 0) {
            return duration.toMillis() + "ms";
        }
        long seconds = duration.getSeconds();
        long[] sizes = {86_400, 3_600, 60};
        String[] units = {"d", "h", "m"};
        for (int i = 0; i < sizes.length; i++) {
            if (seconds % sizes[i] == 0) {
                return seconds / sizes[i] + units[i];
            }
        }
        return seconds + "s";
    }
}

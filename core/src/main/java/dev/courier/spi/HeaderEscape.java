package dev.courier.spi;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The one way every transport carries a user header whose name it cannot write as it is: a name
 * the transport reserves on the wire (its own fields, its CloudEvents binding's attributes, names
 * its broker interprets) or cannot encode travels as {@value #PREFIX}{@code <base64url of its
 * UTF-8, unpadded>}, and every receiver turns it back.
 *
 * <p>Core already refuses, at publish, user headers whose names any transport reserves (see
 * {@code Names}); what reaches a transport's escape is a header of a message from another client,
 * passed on (a dead letter), or a name the wire cannot encode. So a header always arrives under
 * the name it was sent with, and is never read as the message's key, id, type or content type, or
 * dropped, on any broker.
 *
 * <p>A name starting with {@value #PREFIX} is always escaped, so that decoding never changes a
 * name another client chose. A name after the prefix that is not valid base64url stays as it is
 * (another client's header that happens to start with the prefix).
 *
 * <p>Immutable and thread safe.
 */
public final class HeaderEscape {

    /** The start of an escaped header name. */
    public static final String PREFIX = "Courier-Hdr-";

    private final Predicate<String> reserved;

    /**
     * An escape for a transport that reserves the names {@code reserved} accepts.
     *
     * @param reserved true for a name the transport cannot write as it is; must be thread safe
     */
    public HeaderEscape(Predicate<String> reserved) {
        this.reserved = Objects.requireNonNull(reserved, "reserved");
    }

    /** A rule matching names that start with any of {@code prefixes}, in any case. */
    public static Predicate<String> startingWithAnyCase(String... prefixes) {
        String[] lower = new String[prefixes.length];
        for (int i = 0; i < prefixes.length; i++) {
            lower[i] = prefixes[i].toLowerCase(Locale.ROOT);
        }
        return name -> {
            for (String prefix : lower) {
                if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
                    return true;
                }
            }
            return false;
        };
    }

    /** The name {@code name} travels under. */
    public String toWire(String name) {
        if (!name.startsWith(PREFIX) && !reserved.test(name)) {
            return name;
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }

    /** True when {@code wireName} is an escaped name (it starts with {@link #PREFIX}). */
    public static boolean isEscaped(String wireName) {
        return wireName.startsWith(PREFIX);
    }

    /** The name a header received as {@code wireName} was sent with. */
    public static String fromWire(String wireName) {
        if (!wireName.startsWith(PREFIX)) {
            return wireName;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(wireName.substring(PREFIX.length())), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notOurs) {
            return wireName;
        }
    }
}

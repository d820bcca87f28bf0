package dev.courier.internal;

import java.util.List;
import java.util.Locale;
import java.util.Set;


/**
 * The naming rule shared by every broker: {@code [A-Za-z0-9._-]}, topics and queues at most 120
 * characters, groups at most 100, so that every name Courier derives fits every broker's limits.
 * Dead-letter queues ({@code <topic>.<group>.dlq}) may be as long as those parts allow. Names
 * starting with {@code amq.} are refused (RabbitMQ reserves them).
 */
public final class Names {

    public static final int MAX_TOPIC = 120;
    public static final int MAX_GROUP = 100;
    public static final String DEAD_LETTER_SUFFIX = ".dlq";
    static final int MAX_DEAD_LETTER_QUEUE = MAX_TOPIC + 1 + MAX_GROUP + DEAD_LETTER_SUFFIX.length();

    /** The reserved header of a request naming the requester's reply queue (a Courier queue name). */
    public static final String REPLY_TO = "courier-reply-to";
    /** The reserved header pairing a request and its reply. */
    public static final String CORRELATION_ID = "courier-correlation-id";
    /**
     * The reserved header of a rescheduled message (non-blocking retry): the attempts it had
     * before, so its attempt count goes on across the hop. Removed before a handler sees the message.
     */
    public static final String PRIOR_ATTEMPTS = "courier-prior-attempts";

    public static final int MAX_HEADER_NAME = 128;
    public static final int MAX_HEADER_VALUE = 8192;

    /**
     * Header name prefixes (any case) that belong to Courier or to a broker or protocol binding:
     * Courier's own ({@code courier-}), the CloudEvents bindings ({@code ce_}, {@code ce-},
     * {@code cloudEvents_}), the NATS server ({@code Nats-}) and RabbitMQ ({@code x-death},
     * {@code x-first-death-}, {@code x-last-death-}).
     */
    public static final List<String> RESERVED_HEADER_PREFIXES = List.of(
            "courier-", "ce_", "ce-", "cloudevents_", "nats-", "x-death", "x-first-death-", "x-last-death-");

    /**
     * Header names (any case) a broker or binding interprets: the content type of the Kafka and
     * NATS CloudEvents bindings, and RabbitMQ's sender-selected distribution ({@code CC},
     * {@code BCC}), which would route the message to other queues.
     */
    public static final Set<String> RESERVED_HEADER_NAMES = Set.of("content-type", "content_type", "cc", "bcc");


    private Names() {
    }

    /** Checks a topic name. */
    public static String topic(String name) {
        return check("topic", name, MAX_TOPIC);
    }

    /** Checks a group name. */
    public static String group(String name) {
        return check("group", name, MAX_GROUP);
    }

    /** Checks a work-queue name; dead-letter queues may be longer. */
    public static String queue(String name) {
        int max = name != null && name.endsWith(DEAD_LETTER_SUFFIX) ? MAX_DEAD_LETTER_QUEUE : MAX_TOPIC;
        return check("queue", name, max);
    }

    /**
     * Checks user headers: names of 1 to 128 characters of {@code [A-Za-z0-9._-]} (what every
     * broker's header table carries as is), values at most 8192 characters with no control
     * characters other than tab (NATS and AMQP header encodings cannot carry line breaks), and no
     * {@linkplain #RESERVED_HEADER_PREFIXES reserved} name: a user header must never be read as
     * the message's key, id or content type, or be dropped, on any broker.
     */
    public static void headers(java.util.Map<String, String> headers) {
        headers.forEach((name, value) -> {
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME || !legal(name)) {
                throw new IllegalArgumentException("invalid header name '" + printable(name)
                        + "': use 1 to " + MAX_HEADER_NAME + " letters, digits, '.', '_' or '-'");
            }
            String reserved = reservedPart(name);
            if (reserved != null) {
                throw new IllegalArgumentException("header name '" + name + "' is reserved ('" + reserved
                        + "' belongs to Courier, a CloudEvents binding or a broker); choose another name");
            }
            if (value.length() > MAX_HEADER_VALUE) {
                throw new IllegalArgumentException("header '" + name + "' is " + value.length()
                        + " characters long; the limit is " + MAX_HEADER_VALUE);
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c != '\t' && Character.isISOControl(c)) {
                    throw new IllegalArgumentException("header '" + name + "' has the control character "
                            + String.format("\\u%04x", (int) c) + " at index " + i + "; control characters cannot travel in headers");
                }
            }
        });
    }

    /** The reserved prefix or name {@code name} has, or {@code null} when it has none. */
    private static String reservedPart(String name) {
        char first = name.charAt(0);
        if (first != 'c' && first != 'C' && first != 'n' && first != 'N' && first != 'x' && first != 'X'
                && first != 'b' && first != 'B') {
            return null; // most names: no lower-casing on the publish path
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (RESERVED_HEADER_NAMES.contains(lower)) {
            return name;
        }
        for (String prefix : RESERVED_HEADER_PREFIXES) {
            if (lower.startsWith(prefix)) {
                return name.substring(0, prefix.length());
            }
        }
        return null;
    }

    /**
     * Checks an event type name: 1 to {@value #MAX_TOPIC} characters of {@code [A-Za-z0-9._-]},
     * so that it travels in every broker's headers as is. Unlike a topic it names no broker
     * object, so {@code amq.} is allowed.
     */
    public static String type(String name) {
        if (name == null) {
            throw new NullPointerException("type");
        }
        if (!isType(name)) {
            throw new IllegalArgumentException("invalid event type '" + printable(name) + "': use 1 to " + MAX_TOPIC
                    + " letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    /** True when {@code name} is a valid event type name (see {@link #type}). */
    static boolean isType(String name) {
        return !name.isEmpty() && name.length() <= MAX_TOPIC && legal(name);
    }

    /** The dead-letter queue of a group on a topic. */
    public static String deadLetterQueue(String topic, String group) {
        return topic + "." + group + DEAD_LETTER_SUFFIX;
    }

    /** The dead-letter queue of a work queue. */
    public static String deadLetterQueue(String queue) {
        return queue + DEAD_LETTER_SUFFIX;
    }

    private static String check(String what, String name, int max) {
        if (name == null) {
            throw new NullPointerException(what);
        }
        if (name.isEmpty() || !legal(name) || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid " + what + " name '" + printable(name)
                    + "': use only letters, digits, '.', '_' and '-' (and not just '.' or '..')");
        }
        if (name.startsWith("amq.")) {
            throw new IllegalArgumentException(what + " name '" + name
                    + "' starts with 'amq.', which RabbitMQ reserves; Courier names must work on every broker");
        }
        if (name.length() > max) {
            throw new IllegalArgumentException(what + " name '" + name + "' is " + name.length()
                    + " characters long; the limit is " + max);
        }
        return name;
    }

    /** True when every character is in {@code [A-Za-z0-9._-]}; a loop, as this runs on every publish. */
    private static boolean legal(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return name.length() > 200 ? out + "…" : out.toString();
    }
}

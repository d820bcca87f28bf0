package dev.courier.transport.nats;

import dev.courier.api.DeadLetterHeaders;
import dev.courier.spi.BoundedMemo;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.HeaderEscape;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps an {@link Envelope}'s fields to NATS headers and back.
 *
 * <p>NATS headers accept printable ASCII only and trim surrounding spaces, while Courier headers are
 * any Unicode, possibly empty. So:
 * <ul>
 *   <li>the envelope's id, content type and timestamp travel once, as {@link CloudEvents}
 *       attributes in binary content mode: {@code ce-id}, {@code content-type} (the binding's
 *       header for {@code datacontenttype}; {@code ce-datacontenttype} is still read) and
 *       {@code ce-time}, with {@code ce-source}, {@code ce-type} and {@code ce-specversion}, so
 *       CloudEvents SDKs read Courier messages, their values percent-encoded as the NATS binding
 *       says ({@code ce-type} is the envelope's event type, or the destination name for a message
 *       without one, which is read back as no type); the id is also the {@code Nats-Msg-Id}, so JetStream drops a retried publish (a
 *       dead letter's is a digest of the message, see {@link #messageId}); the key travels as
 *       {@code Courier-Key} (absent when {@code null});</li>
 *   <li>in the minimal form ({@code envelope=minimal}) instead: the id as {@code Nats-Msg-Id}
 *       (and {@code Courier-Id} where that is not the id), {@code Courier-Timestamp} (epoch
 *       milliseconds), {@code Courier-Type} when the message has a type, {@code content-type}
 *       when not {@code application/octet-stream};</li>
 *   <li>{@code Courier-Id}, {@code Courier-Content-Type} and {@code Courier-Timestamp} (epoch
 *       milliseconds), which Courier 0.1 snapshots wrote, are still read and win over the
 *       attributes;</li>
 *   <li>a user header whose name is printable ASCII without {@code :} and starts with none of
 *       {@code Courier-} (this case), {@code Nats-} (any case, the server's) and {@code ce-} (any
 *       case, CloudEvents') travels under its own name; any other name travels escaped, as
 *       Courier's one {@link HeaderEscape} says ({@code Courier-Hdr-<base64url of its UTF-8>});</li>
 *   <li>a value that is non-empty printable ASCII without surrounding spaces, and does not start with
 *       {@value #ENCODED_PREFIX}, travels as it is; any other value travels as
 *       {@code =?UTF-8?B?<base64 of its UTF-8>?=} (the RFC 2047 form) and is decoded on receipt.</li>
 * </ul>
 *
 * <p>Stateless and thread safe.
 */
final class NatsHeaders {

    static final String ID = "Courier-Id";
    static final String KEY = "Courier-Key";
    static final String CONTENT_TYPE = "Courier-Content-Type";
    static final String TIMESTAMP = "Courier-Timestamp";
    /** The event type in the minimal form, absent when the message has none. */
    static final String TYPE = "Courier-Type";
    private static final String CE_ID = "ce-" + CloudEvents.ID;
    private static final String CE_SOURCE = "ce-" + CloudEvents.SOURCE;
    private static final String CE_TYPE = "ce-" + CloudEvents.TYPE;
    private static final String CE_SPECVERSION = "ce-" + CloudEvents.SPECVERSION;
    private static final String CE_TIME = "ce-" + CloudEvents.TIME;
    /** {@link #encodeValue Encoded} header values (types, content types), kept for 4,096 distinct values. */
    private static final BoundedMemo<String, String> ENCODED_VALUES = new BoundedMemo<>(4_096, NatsHeaders::encodeValue);
    /**
     * The CloudEvents-form headers that are the same for every message of one destination, type
     * and content type, validated by jnats once; kept for 4,096 distinct combinations.
     */
    private static final BoundedMemo<Constant, Headers> CONSTANT_HEADERS = new BoundedMemo<>(4_096, NatsHeaders::constantHeaders);
    static final String ENCODED_NAME_PREFIX = HeaderEscape.PREFIX;
    /** Courier's one header escape, with the names NATS reserves or cannot carry. */
    private static final HeaderEscape ESCAPE = new HeaderEscape(
            name -> name.isEmpty() || !isPrintableToken(name) || isReserved(name));
    static final String MSG_ID = "Nats-Msg-Id";
    static final String ENCODED_PREFIX = "=?UTF-8?B?";
    static final String ENCODED_SUFFIX = "?=";
    private static final String RESERVED_PREFIX = "Courier-";
    private static final String NATS_PREFIX = "nats-";
    /** The header prefix of CloudEvents attributes in binary content mode. */
    static final String CLOUD_EVENTS_PREFIX = "ce-";
    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** The NATS binding's header for {@code datacontenttype}, read in any case. */
    static final String NATS_CONTENT_TYPE = "content-type";
    /** The {@code source} Courier writes: a CloudEvent with it is Courier's own. */
    private static final String COURIER_SOURCE = "/courier/";
    static final String DEAD_LETTER_MSG_ID_PREFIX = "dl-";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private NatsHeaders() {
    }

    /** The headers that carry {@code envelope}'s fields in the CloudEvents form. */
    static Headers toHeaders(Envelope envelope) {
        return toHeaders(envelope, EnvelopeForm.CLOUDEVENTS, false);
    }

    /**
     * The headers that carry {@code envelope}'s fields in {@code form}.
     *
     * @param idInMsgId true when the message is published with {@code Nats-Msg-Id} equal to
     *                  {@link #encodeValue encodeValue}{@code (id)}: the minimal form then sends no
     *                  {@code Courier-Id}, the receiver reads the id from {@code Nats-Msg-Id}
     */
    static Headers toHeaders(Envelope envelope, EnvelopeForm form, boolean idInMsgId) {
        // a copy shares the constant headers' value lists; put replaces a list, never changes one
        Headers headers = form == EnvelopeForm.MINIMAL ? new Headers() : new Headers(CONSTANT_HEADERS.get(
                new Constant(envelope.destination(), envelope.type(), envelope.contentType())));
        if (envelope.key() != null) {
            headers.put(KEY, encodeValue(envelope.key()));
        }
        // each field travels once; constant values (spec version, a destination's source and
        // type, common content types) are encoded once, not per message
        if (form == EnvelopeForm.MINIMAL) {
            if (!idInMsgId) {
                headers.put(ID, encodeValue(envelope.id()));
            }
            headers.put(TIMESTAMP, Long.toString(envelope.timestamp().toEpochMilli()));
            if (envelope.type() != null) {
                headers.put(TYPE, ENCODED_VALUES.get(envelope.type()));
            }
            if (!envelope.contentType().equals(EnvelopeForm.DEFAULT_CONTENT_TYPE)) {
                headers.put(NATS_CONTENT_TYPE, ENCODED_VALUES.get(envelope.contentType()));
            }
        } else {
            headers.put(CE_ID, percentEncode(envelope.id()));
            headers.put(CE_TIME, rfc3339(envelope.timestamp()));
        }
        envelope.headers().forEach((name, value) -> headers.put(encodeName(name), encodeValue(value)));
        return headers;
    }

    /**
     * What the constant CloudEvents-form headers depend on; {@code type} may be {@code null}. Not a
     * record: a record's generated {@code hashCode} and {@code equals} (and {@link Destination}'s)
     * took 9% of the CPU samples of the 100 B publish path in this per-message lookup.
     */
    private static final class Constant {
        private final Destination destination;
        private final String type;
        private final String contentType;
        private final int hash;

        Constant(Destination destination, String type, String contentType) {
            this.destination = destination;
            this.type = type;
            this.contentType = contentType;
            this.hash = (destination.name().hashCode() * 31 + destination.kind().ordinal()) * 31
                    + (type == null ? 0 : type.hashCode()) * 31 + contentType.hashCode();
        }

        Destination destination() {
            return destination;
        }

        String type() {
            return type;
        }

        String contentType() {
            return contentType;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Constant c && hash == c.hash && contentType.equals(c.contentType)
                    && (type == null ? c.type == null : type.equals(c.type))
                    && (destination == c.destination || destination.equals(c.destination));
        }
    }

    private static Headers constantHeaders(Constant constant) {
        Headers headers = new Headers();
        headers.put(CE_SOURCE, percentEncode(CloudEvents.source(constant.destination())));
        headers.put(CE_TYPE, percentEncode(constant.type() != null ? constant.type() : constant.destination().name()));
        headers.put(CE_SPECVERSION, CloudEvents.SPEC_VERSION);
        // the binding's header for datacontenttype, 6 bytes shorter than ce-datacontenttype
        headers.put(NATS_CONTENT_TYPE, encodeValue(constant.contentType()));
        return headers;
    }

    /**
     * {@code instant.toString()}, the RFC 3339 form, without the general formatter for the
     * instants Courier writes (whole milliseconds, years 1970 to 9999).
     */
    static String rfc3339(Instant instant) {
        long seconds = instant.getEpochSecond();
        int nanos = instant.getNano();
        if (seconds < 0 || seconds > 253_402_300_799L || nanos % 1_000_000 != 0) {
            return instant.toString();
        }
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(seconds / 86_400);
        int second = (int) (seconds % 86_400);
        char[] text = new char[nanos == 0 ? 20 : 24];
        digits(text, 0, date.getYear(), 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, second / 3_600, 2);
        text[13] = ':';
        digits(text, 14, second / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, second % 60, 2);
        if (nanos != 0) {
            text[19] = '.';
            digits(text, 20, nanos / 1_000_000, 3);
        }
        text[text.length - 1] = 'Z';
        return new String(text);
    }

    private static void digits(char[] text, int at, int value, int count) {
        for (int i = at + count - 1; i >= at; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The envelope a received message carries. A message published without Courier's headers (by
     * another NATS client) takes id, time and content type from its CloudEvents attributes
     * (percent-decoded), else its {@code Nats-Msg-Id} or stream sequence as id, the stream's
     * timestamp, and a {@code content-type} header (any case) or {@code application/octet-stream}.
     * The attributes of a CloudEvent from elsewhere that Courier does not map stay visible as
     * {@code ce-<name>} headers, as on every transport.
     */
    static Envelope toEnvelope(Message message, Destination source) {
        Headers headers = message.getHeaders();
        Map<String, String> user = new LinkedHashMap<>();
        Map<String, String> cloudEvents = new LinkedHashMap<>();
        String id = null;
        String key = null;
        String contentType = null;
        String natsContentType = null;
        String natsContentTypeName = null;
        Instant timestamp = null;
        String type = null;
        if (headers != null) {
            for (Map.Entry<String, List<String>> header : headers.entrySet()) {
                String name = header.getKey();
                List<String> values = header.getValue();
                String raw = values == null || values.isEmpty() ? "" : values.get(values.size() - 1);
                switch (name) {
                    case ID -> id = decodeValue(raw);
                    case KEY -> key = decodeValue(raw);
                    case CONTENT_TYPE -> contentType = decodeValue(raw);
                    case TIMESTAMP -> timestamp = parseMillis(raw);
                    case TYPE -> {
                        String decoded = decodeValue(raw);
                        type = decoded.isEmpty() ? null : decoded;
                    }
                    default -> {
                        if (name.startsWith(ENCODED_NAME_PREFIX)) {
                            user.put(HeaderEscape.fromWire(name), decodeValue(raw));
                        } else if (name.regionMatches(true, 0, CLOUD_EVENTS_PREFIX, 0, CLOUD_EVENTS_PREFIX.length())) {
                            cloudEvents.put(attributeName(name), decodeAttribute(raw));
                        } else if (name.equalsIgnoreCase(NATS_CONTENT_TYPE)) {
                            natsContentType = decodeValue(raw);
                            natsContentTypeName = name;
                        } else if (!isReserved(name)) {
                            user.put(name, decodeValue(raw));
                        }
                    }
                }
            }
        }
        String eventContentType = cloudEvents.get(CloudEvents.DATACONTENTTYPE);
        if (natsContentType != null) {
            if (contentType == null && eventContentType == null) {
                // the binding maps datacontenttype to content-type; any other NATS client may set it too
                contentType = natsContentType;
            } else {
                user.put(natsContentTypeName, natsContentType);
            }
        }
        CloudEvents.Received event = CloudEvents.read(cloudEvents::get).orElse(null);
        if (event != null) {
            type = type != null ? type : Envelope.receivedType(event.type(), source);
            id = id != null ? id : event.id();
            if (timestamp == null && event.time() != null) {
                timestamp = event.time().truncatedTo(ChronoUnit.MILLIS);
            }
            contentType = contentType != null ? contentType : event.dataContentType();
            String eventSource = event.source();
            if (eventSource == null || !eventSource.startsWith(COURIER_SOURCE)) {
                // a CloudEvent from elsewhere: the attributes Courier does not map stay visible
                cloudEvents.forEach((name, value) -> {
                    if (!name.equals(CloudEvents.ID) && !name.equals(CloudEvents.TIME)
                            && !name.equals(CloudEvents.DATACONTENTTYPE)) {
                        user.put(CLOUD_EVENTS_PREFIX + name, value);
                    }
                });
            }
        } else {
            // ce- headers that do not make a CloudEvent are plain headers of another producer
            cloudEvents.forEach((name, value) -> user.put(CLOUD_EVENTS_PREFIX + name, value));
        }
        if (id == null) {
            String msgId = headers == null ? null : headers.getLast(MSG_ID);
            id = msgId != null && !msgId.isEmpty() ? decodeValue(msgId) : fallbackId(message);
        }
        if (timestamp == null) {
            timestamp = message.isJetStream()
                    ? message.metaData().timestamp().toInstant().truncatedTo(ChronoUnit.MILLIS)
                    : Instant.EPOCH;
        }
        byte[] payload = message.getData() == null ? new byte[0] : message.getData();
        return new Envelope(id, source, key, user, payload, contentType == null ? DEFAULT_CONTENT_TYPE : contentType,
                timestamp, type);
    }

    /**
     * The envelope of a message whose headers cannot be read: its stream sequence as id, the
     * stream's timestamp, its payload. Stable across redeliveries, so it can be dead-lettered.
     */
    static Envelope withoutHeaders(Message message, Destination source) {
        Instant timestamp;
        try {
            timestamp = message.metaData().timestamp().toInstant().truncatedTo(ChronoUnit.MILLIS);
        } catch (RuntimeException e) {
            timestamp = Instant.EPOCH;
        }
        byte[] payload = message.getData() == null ? new byte[0] : message.getData();
        return new Envelope(fallbackId(message), source, null, Map.of(), payload, DEFAULT_CONTENT_TYPE, timestamp);
    }

    /**
     * The {@code Nats-Msg-Id} for {@code envelope}, the identity JetStream de-duplicates on within
     * the stream's duplicate window. A publish: its id (encoded like a header value), so a retried
     * publish is stored once. A dead letter (it carries {@link DeadLetterHeaders#ERROR_CLASS} and
     * {@link DeadLetterHeaders#ORIGINAL_TOPIC}): {@code dl-} and a digest of its id, destination,
     * headers (but the error and attempt count) and payload, since ids are not unique across
     * producers (CloudEvents ids only per source) and two different failed messages sharing one
     * must both end in the dead-letter queue, while the same message dead-lettered again after a
     * redelivery is still stored once.
     */
    static String messageId(Envelope envelope) {
        Map<String, String> headers = envelope.headers();
        if (!headers.containsKey(DeadLetterHeaders.ERROR_CLASS) || !headers.containsKey(DeadLetterHeaders.ORIGINAL_TOPIC)) {
            return encodeValue(envelope.id());
        }
        MessageDigest digest = sha256();
        update(digest, envelope.id());
        update(digest, envelope.destination().toString());
        update(digest, envelope.key() == null ? "" : "k" + envelope.key());
        new TreeMap<>(headers).forEach((name, value) -> {
            if (!name.equals(DeadLetterHeaders.ERROR_CLASS) && !name.equals(DeadLetterHeaders.ERROR_MESSAGE)
                    && !name.equals(DeadLetterHeaders.ATTEMPTS)) {
                update(digest, name);
                update(digest, value);
            }
        });
        digest.update(envelope.payload());
        return DEAD_LETTER_MSG_ID_PREFIX + HexFormat.of().formatHex(digest.digest(), 0, 20);
    }

    private static void update(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * A CloudEvents attribute value as the NATS binding writes it: UTF-8, with space, {@code "},
     * {@code %} and every byte outside printable ASCII percent-encoded ({@code %C3%BC}).
     */
    static String percentEncode(String value) {
        if (plainAttribute(value)) {
            return value;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = null;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = b > ' ' && b < 0x7f && b != '"' && b != '%';
            if (out == null) {
                if (plain) {
                    continue;
                }
                // every byte before this one was printable ASCII, one char each
                out = new StringBuilder(bytes.length + 16).append(value, 0, i);
            }
            if (plain) {
                out.append((char) b);
            } else {
                out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
            }
        }
        return out == null ? value : out.toString();
    }

    /** Whether {@link #percentEncode} leaves {@code value} as it is: printable ASCII but space, {@code "} and {@code %}. */
    private static boolean plainAttribute(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '%') {
                return false;
            }
        }
        return true;
    }

    /**
     * A received attribute value: percent-decoded as UTF-8 (a malformed escape is kept as it is),
     * or, as Courier 0.1 snapshots wrote it, {@code =?UTF-8?B?...?=}.
     */
    static String decodeAttribute(String raw) {
        if (raw.startsWith(ENCODED_PREFIX)) {
            return decodeValue(raw);
        }
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                out.write(hex(raw.charAt(i + 1)) << 4 | hex(raw.charAt(i + 2)));
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    static String encodeName(String name) {
        return ESCAPE.toWire(name);
    }

    static String encodeValue(String value) {
        if (!value.isEmpty() && isPrintable(value) && value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' '
                && !value.startsWith(ENCODED_PREFIX)) {
            return value;
        }
        return ENCODED_PREFIX + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + ENCODED_SUFFIX;
    }

    static String decodeValue(String raw) {
        if (raw.startsWith(ENCODED_PREFIX) && raw.endsWith(ENCODED_SUFFIX)
                && raw.length() >= ENCODED_PREFIX.length() + ENCODED_SUFFIX.length()) {
            String body = raw.substring(ENCODED_PREFIX.length(), raw.length() - ENCODED_SUFFIX.length());
            try {
                return new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notOurs) {
                return raw;
            }
        }
        return raw;
    }


    /**
     * Ours ({@code Courier-}, case-sensitive like jnats), the server's ({@code Nats-}), CloudEvents'
     * ({@code ce-}, and {@code content-type}, where Courier writes the content type).
     */
    private static boolean isReserved(String name) {
        // names reaching here are ASCII (jnats reads no other, the escape takes them first), so
        // ignoring case this way is the same as comparing their Locale.ROOT lower case
        return name.startsWith(RESERVED_PREFIX) || name.regionMatches(true, 0, NATS_PREFIX, 0, NATS_PREFIX.length())
                || name.regionMatches(true, 0, CLOUD_EVENTS_PREFIX, 0, CLOUD_EVENTS_PREFIX.length())
                || name.equalsIgnoreCase(NATS_CONTENT_TYPE);
    }

    /** The attribute a {@code ce-} header carries, its name in lower case; no new string for the ones Courier writes. */
    private static String attributeName(String header) {
        return switch (header) {
            case CE_ID -> CloudEvents.ID;
            case CE_SOURCE -> CloudEvents.SOURCE;
            case CE_TYPE -> CloudEvents.TYPE;
            case CE_SPECVERSION -> CloudEvents.SPECVERSION;
            case CE_TIME -> CloudEvents.TIME;
            default -> header.substring(CLOUD_EVENTS_PREFIX.length()).toLowerCase(Locale.ROOT);
        };
    }

    /** Printable ASCII, no space or colon: what a NATS header name may be. */
    private static boolean isPrintableToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':') {
                return false;
            }
        }
        return true;
    }

    /** Printable ASCII, spaces allowed. */
    private static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static Instant parseMillis(String raw) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(raw.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String fallbackId(Message message) {
        if (message.isJetStream()) {
            try {
                return "nats-" + message.metaData().getStream() + "-" + message.metaData().streamSequence();
            } catch (RuntimeException unreadableReply) {
                return "nats-" + message.getReplyTo();
            }
        }
        return "nats-" + message.getSID();
    }
}

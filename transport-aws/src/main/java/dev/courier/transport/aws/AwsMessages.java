package dev.courier.transport.aws;

import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.HeaderEscape;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How an {@link Envelope} travels as an SNS or SQS message, and back. SNS and SQS carry a text
 * body and at most 10 message attributes, so:
 * <ul>
 *   <li>the body is the payload when it is UTF-8 text SQS accepts; otherwise its base64, with the
 *       attribute {@code content-transfer-encoding=base64} (an empty payload: a one-space body and
 *       {@code content-transfer-encoding=empty});</li>
 *   <li>the CloudEvents attributes are {@code ce-id}, {@code ce-source}, {@code ce-type},
 *       {@code ce-specversion}, {@code ce-time}, and {@code content-type} (the HTTP binding's
 *       names; {@code ce_} and {@code ce-datacontenttype} are read too); with
 *       {@code envelope=minimal} there are none, and {@code courier} packs {@code id=},
 *       {@code t=} (epoch milliseconds), {@code type=} and {@code ct=} first;</li>
 *   <li>the key and every user header, however many, are packed into the one attribute
 *       {@code courier} as {@code application/x-www-form-urlencoded} text: {@code key=<key>} and
 *       {@code h=<name>} followed by {@code v=<value>} per header;</li>
 *   <li>the message group id (FIFO order) is the key, or the message id when there is none, or
 *       its SHA-256 when it is not 1 to 128 printable ASCII characters.</li>
 * </ul>
 * At most 8 attributes, all of type {@code String}. A message from another client arrives with
 * its attributes as headers (names through {@link HeaderEscape#fromWire}), its message group id
 * as key, {@code content-type} as content type, SQS's message id and sent timestamp as id and
 * timestamp. Stateless.
 */
final class AwsMessages {

    static final String CE_PREFIX = "ce-";
    /** Also read: the Kafka binding's spelling, which SQS attribute names allow too. */
    static final String CE_PREFIX_UNDERSCORE = "ce_";
    static final String PACKED = "courier";
    static final String ENCODING = "content-transfer-encoding";
    static final String CONTENT_TYPE = "content-type";
    static final String BASE64 = "base64";
    static final String EMPTY = "empty";
    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    private static final String COURIER_SOURCE = "/courier/";
    private static final String CE_ID = CE_PREFIX + CloudEvents.ID;
    private static final String CE_SOURCE = CE_PREFIX + CloudEvents.SOURCE;
    private static final String CE_TYPE = CE_PREFIX + CloudEvents.TYPE;
    private static final String CE_SPECVERSION = CE_PREFIX + CloudEvents.SPECVERSION;
    private static final String CE_TIME = CE_PREFIX + CloudEvents.TIME;
    /** What SNS and SQS count per attribute besides name and value: its data type. */
    private static final int TYPE_BYTES = "String".length();

    private AwsMessages() {
    }

    /** A message as SNS or SQS takes it: body, attributes, group id. */
    record Wire(String body, Map<String, String> attributes, String groupId) {

        /** The bytes SNS and SQS count against their 256 KiB: body, attribute names, types and values. */
        long size() {
            long size = utf8Length(body);
            for (Map.Entry<String, String> attribute : attributes.entrySet()) {
                size += utf8Length(attribute.getKey()) + TYPE_BYTES + utf8Length(attribute.getValue());
            }
            return size;
        }
    }

    /** The wire form of {@code envelope}, in the CloudEvents form. */
    static Wire toWire(Envelope envelope) {
        return toWire(envelope, EnvelopeForm.CLOUDEVENTS);
    }

    /**
     * The wire form of {@code envelope} in {@code form}. CloudEvents: the attributes (the content
     * type as {@code content-type}, as in the HTTP binding) and {@code courier} when the message
     * has a key or headers. Minimal: only {@code courier}, which then also packs {@code id=},
     * {@code t=} (epoch milliseconds; SQS's sent timestamp is not the publish time), {@code type=}
     * and {@code ct=} (each only when not the default).
     */
    static Wire toWire(Envelope envelope, EnvelopeForm form) {
        Map<String, String> attributes = new LinkedHashMap<>();
        StringBuilder fields = new StringBuilder();
        if (form == EnvelopeForm.MINIMAL) {
            fields.append("id=").append(encode(envelope.id())).append("&t=").append(envelope.timestamp().toEpochMilli());
            if (envelope.type() != null) {
                fields.append("&type=").append(encode(envelope.type()));
            }
            if (!envelope.contentType().equals(EnvelopeForm.DEFAULT_CONTENT_TYPE)) {
                fields.append("&ct=").append(encode(envelope.contentType()));
            }
        } else {
            attributes.put(CE_ID, envelope.id());
            attributes.put(CE_SOURCE, CloudEvents.source(envelope.destination()));
            attributes.put(CE_TYPE, envelope.type() != null ? envelope.type() : envelope.destination().name());
            attributes.put(CE_SPECVERSION, CloudEvents.SPEC_VERSION);
            attributes.put(CE_TIME, envelope.timestamp().toString());
            attributes.put(CONTENT_TYPE, envelope.contentType());
        }
        String packed = pack(envelope, fields);
        if (!packed.isEmpty()) {
            attributes.put(PACKED, packed);
        }
        String body;
        byte[] payload = envelope.payload();
        if (payload.length == 0) {
            body = " ";
            attributes.put(ENCODING, EMPTY);
        } else {
            body = sqsText(payload);
            if (body == null) {
                body = Base64.getEncoder().encodeToString(payload);
                attributes.put(ENCODING, BASE64);
            }
        }
        return new Wire(body, attributes, groupId(envelope.key() != null ? envelope.key() : envelope.id()));
    }

    /**
     * The envelope of a received message.
     *
     * @param attributes   its message attributes as text
     * @param messageId    SQS's message id, the id of a message without {@code ce-id}
     * @param sentMillis   SQS's sent timestamp, or {@code null}
     * @param groupId      its message group id, the key of a message from another client, or {@code null}
     */
    static Envelope toEnvelope(Destination source, String body, Map<String, String> attributes, String messageId,
                               String sentMillis, String groupId) {
        Map<String, String> user = new LinkedHashMap<>();
        Map<String, String> cloudEvents = new LinkedHashMap<>();
        String key = null;
        boolean keyGiven = false;
        String encoding = null;
        String foreignContentType = null;
        Unpacked minimal = null;
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            String name = attribute.getKey();
            String value = attribute.getValue() == null ? "" : attribute.getValue();
            if (name.equals(PACKED)) {
                Unpacked unpacked = unpack(value, user);
                key = unpacked.key();
                keyGiven = unpacked.keyGiven();
                minimal = unpacked.id() != null ? unpacked : null;
            } else if (name.equals(ENCODING)) {
                encoding = value;
            } else if (name.regionMatches(true, 0, CE_PREFIX, 0, CE_PREFIX.length())
                    || name.regionMatches(true, 0, CE_PREFIX_UNDERSCORE, 0, CE_PREFIX.length())) {
                cloudEvents.put(name.substring(CE_PREFIX.length()).toLowerCase(Locale.ROOT), value);
            } else if (name.equalsIgnoreCase(CONTENT_TYPE) && foreignContentType == null) {
                foreignContentType = value;
            } else {
                user.put(HeaderEscape.fromWire(name), value);
            }
        }
        String id = null;
        String contentType = null;
        Instant timestamp = null;
        String type = null;
        CloudEvents.Received event = CloudEvents.read(cloudEvents::get).orElse(null);
        boolean fromCourier = false;
        if (event != null) {
            id = event.id();
            type = Envelope.receivedType(event.type(), source);
            timestamp = event.time() == null ? null : event.time().truncatedTo(ChronoUnit.MILLIS);
            contentType = event.dataContentType();
            fromCourier = event.source() != null && event.source().startsWith(COURIER_SOURCE);
            if (!fromCourier) {
                cloudEvents.forEach((name, value) -> {
                    if (!name.equals(CloudEvents.ID) && !name.equals(CloudEvents.TIME)
                            && !name.equals(CloudEvents.DATACONTENTTYPE)) {
                        user.put(CE_PREFIX + name, value);
                    }
                });
            }
        } else {
            cloudEvents.forEach((name, value) -> user.put(CE_PREFIX + name, value));
        }
        if (minimal != null) {
            // the minimal form: Courier's own fields, packed
            fromCourier = true;
            id = minimal.id();
            type = minimal.type();
            timestamp = minimal.time();
            contentType = minimal.contentType();
        }
        if (foreignContentType != null) {
            if (contentType == null) {
                contentType = foreignContentType;
            } else {
                user.put(CONTENT_TYPE, foreignContentType);
            }
        }
        if (!keyGiven && !fromCourier) {
            key = groupId;
        }
        if (id == null) {
            id = messageId;
        }
        if (timestamp == null) {
            timestamp = sentMillis == null ? Instant.EPOCH : parseMillis(sentMillis);
        }
        byte[] payload;
        if (EMPTY.equals(encoding)) {
            payload = new byte[0];
        } else if (BASE64.equalsIgnoreCase(encoding)) {
            try {
                payload = Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException notBase64) {
                payload = body.getBytes(StandardCharsets.UTF_8);
                user.put(ENCODING, encoding);
            }
        } else {
            payload = body.getBytes(StandardCharsets.UTF_8);
            if (encoding != null) {
                user.put(ENCODING, encoding);
            }
        }
        return new Envelope(id, source, key, user, payload, contentType == null ? DEFAULT_CONTENT_TYPE : contentType,
                timestamp, type);
    }

    /** What {@code courier} carried besides headers; {@code id} is set only in the minimal form. */
    private record Unpacked(String key, boolean keyGiven, String id, Instant time, String type, String contentType) {
    }

    private static String pack(Envelope envelope, StringBuilder packed) {
        if (envelope.key() != null) {
            packed.append(packed.isEmpty() ? "" : "&").append("key=").append(encode(envelope.key()));
        }
        envelope.headers().forEach((name, value) -> {
            if (!packed.isEmpty()) {
                packed.append('&');
            }
            packed.append("h=").append(encode(name)).append("&v=").append(encode(value));
        });
        return packed.toString();
    }

    private static Unpacked unpack(String packed, Map<String, String> into) {
        String key = null;
        boolean keyGiven = false;
        String name = null;
        String id = null;
        Instant time = null;
        String type = null;
        String contentType = null;
        for (String pair : packed.split("&", -1)) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String field = pair.substring(0, equals);
            String value = decode(pair.substring(equals + 1));
            switch (field) {
                case "key" -> {
                    key = value;
                    keyGiven = true;
                }
                case "h" -> name = value;
                case "id" -> id = value;
                case "t" -> time = parseMillis(value);
                case "type" -> type = value.isEmpty() ? null : value;
                case "ct" -> contentType = value;
                case "v" -> {
                    if (name != null) {
                        into.put(name, value);
                        name = null;
                    }
                }
                default -> { }
            }
        }
        return new Unpacked(key, keyGiven, id, time, type, contentType);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    /** {@code payload} as text when it is UTF-8 whose every character SQS accepts, else {@code null}. */
    static String sqsText(byte[] payload) {
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            return null;
        }
        String text = chars.toString();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c == 0x9 || c == 0xA || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                    || Character.isSurrogate(c);
            if (!allowed) {
                return null;
            }
        }
        return text;
    }

    /** A message group id: {@code text} when it is 1 to 128 printable ASCII characters, else its SHA-256. */
    static String groupId(String text) {
        if (!text.isEmpty() && text.length() <= 128 && text.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            return text;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * The deduplication id of a message: the SHA-256 of everything it carries, so that a publish the
     * SDK retries is stored once, while two different messages that reuse an id (another client's)
     * are both kept.
     */
    static String deduplicationId(Wire wire) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(wire.body().getBytes(StandardCharsets.UTF_8));
            wire.attributes().forEach((name, value) -> {
                digest.update((byte) 0);
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(value.getBytes(StandardCharsets.UTF_8));
            });
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static Instant parseMillis(String raw) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(raw.trim()));
        } catch (NumberFormatException e) {
            return Instant.EPOCH;
        }
    }

    static long utf8Length(String text) {
        long length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }
}

package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;

/**
 * The properties of a usual Courier message (no user headers, no key, short strings that fit),
 * encoded into its content header frame from one exact-size array: the same bytes as the client's
 * own encoding (up to the order of the header table's entries), without the client's growing
 * buffers and the two UTF-8 encodings of every string (one to size the table, one to write it).
 * What the getters return is what the client would send, so everything else reads them as usual.
 *
 * <p>Its headers are Courier's own: short-string names, and values that are strings or a
 * {@link Short} (the AMQP field types {@code S} and {@code s}).
 */
final class CompactProperties extends AMQP.BasicProperties {

    private static final int BASIC_CLASS = 60;
    private static final int FLAG_CONTENT_TYPE = 1 << 15;
    private static final int FLAG_HEADERS = 1 << 13;
    private static final int FLAG_DELIVERY_MODE = 1 << 12;
    private static final int FLAG_MESSAGE_ID = 1 << 7;
    private static final int FLAG_TIMESTAMP = 1 << 6;

    /** The header names, then their values, in the order they are written. */
    private final String[] names;
    private final Object[] values;

    private CompactProperties(String contentType, String messageId, Date timestamp, int deliveryMode, String[] names,
                              Object[] values, Map<String, Object> headers) {
        super(contentType, null, headers, deliveryMode, null, null, null, null, messageId, timestamp, null, null, null, null);
        this.names = names;
        this.values = values;
    }

    /**
     * Properties with {@code names[i] = values[i]} as headers; the caller guarantees that
     * {@code contentType} and {@code messageId} (each may be null) and every name fit a short
     * string, and that every value is a {@link String} or a {@link Short}.
     */
    static CompactProperties of(String contentType, String messageId, Date timestamp, int deliveryMode, String[] names,
                                Object[] values, Map<String, Object> headers) {
        return new CompactProperties(contentType, messageId, timestamp, deliveryMode, names, values, headers);
    }

    @Override
    public Frame toFrame(int channelNumber, long bodySize) throws IOException {
        String contentType = getContentType();
        String messageId = getMessageId();
        byte[][] encodedValues = new byte[values.length][];
        int tableSize = 0;
        for (int i = 0; i < names.length; i++) {
            tableSize += 1 + utf8Length(names[i]) + 1;
            if (values[i] instanceof String text) {
                encodedValues[i] = text.getBytes(StandardCharsets.UTF_8);
                tableSize += 4 + encodedValues[i].length;
            } else {
                tableSize += 2; // a Short
            }
        }
        int size = 2 + 2 + 8 + 2 // class, weight, body size, property flags
                + (contentType == null ? 0 : 1 + utf8Length(contentType))
                + 4 + tableSize
                + 1 // delivery mode
                + (messageId == null ? 0 : 1 + utf8Length(messageId))
                + 8; // timestamp
        Writer out = new Writer(new byte[size]);
        out.short16(BASIC_CLASS);
        out.short16(0);
        out.long64(bodySize);
        out.short16((contentType == null ? 0 : FLAG_CONTENT_TYPE) | FLAG_HEADERS | FLAG_DELIVERY_MODE
                | (messageId == null ? 0 : FLAG_MESSAGE_ID) | FLAG_TIMESTAMP);
        if (contentType != null) {
            out.shortString(contentType);
        }
        out.int32(tableSize);
        for (int i = 0; i < names.length; i++) {
            out.shortString(names[i]);
            if (encodedValues[i] != null) {
                out.octet('S');
                out.int32(encodedValues[i].length);
                out.bytes(encodedValues[i]);
            } else {
                out.octet('s');
                out.short16((Short) values[i]);
            }
        }
        out.octet(getDeliveryMode());
        if (messageId != null) {
            out.shortString(messageId);
        }
        out.long64(getTimestamp().getTime() / 1000L);
        // through the frame's own accumulator, which every frame handler of the client writes
        Frame frame = new Frame(AMQP.FRAME_HEADER, channelNumber);
        frame.getOutputStream().write(out.array);
        return frame;
    }

    /** The UTF-8 length of {@code text}, without encoding it when it is ASCII. */
    private static int utf8Length(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return text.length();
    }

    /** Big-endian writes into an array of the exact size. */
    private static final class Writer {
        final byte[] array;
        int position;

        Writer(byte[] array) {
            this.array = array;
        }

        void octet(int value) {
            array[position++] = (byte) value;
        }

        void short16(int value) {
            octet(value >>> 8);
            octet(value);
        }

        void int32(int value) {
            short16(value >>> 16);
            short16(value);
        }

        void long64(long value) {
            int32((int) (value >>> 32));
            int32((int) value);
        }

        void bytes(byte[] bytes) {
            System.arraycopy(bytes, 0, array, position, bytes.length);
            position += bytes.length;
        }

        void shortString(String text) {
            int length = utf8Length(text);
            octet(length);
            if (length == text.length()) {
                for (int i = 0; i < length; i++) {
                    array[position++] = (byte) text.charAt(i);
                }
            } else {
                bytes(text.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}

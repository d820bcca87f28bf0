package dev.courier.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * What a case's messages carry, made and read the same way by the raw client and by Courier, so
 * both pay for it: {@link #BYTES} a {@code byte[]} of the case's size with the publish time in its
 * first 8 bytes (Courier passes it through), or {@link #json} a {@link Sample} record, which Courier
 * encodes and decodes with its JSON codec and the raw client with Jackson (the same bytes).
 */
sealed interface PayloadFormat {

    /** The case's label: {@code bytes} or {@code json}. */
    String name();

    /** The bytes the raw client sends for a message stamped {@code sentAt}. */
    byte[] encode(long sentAt);

    /** The stamp of bytes the raw client received. */
    long sentAt(byte[] received);

    /** What Courier publishes for a message stamped {@code sentAt}. */
    Object object(long sentAt);

    /** The payload type Courier subscribes with. */
    Class<?> type();

    /** The stamp of a payload Courier delivered. */
    long sentAtOf(Object received);

    /** A {@code byte[]} payload of {@code size} bytes. */
    static PayloadFormat bytes(int size) {
        return new Bytes(size);
    }

    /** A {@link Sample} whose JSON is about {@code size} bytes. */
    static PayloadFormat json(int size) {
        return new Json(size);
    }

    /** The JSON case's record: the publish time and text padding it to the case's size. */
    record Sample(long sentAt, String text) {
    }

    /** A {@code byte[]} of {@code size} bytes, the stamp in the first 8 (big-endian). */
    record Bytes(int size) implements PayloadFormat {
        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

        @Override
        public String name() {
            return "bytes";
        }

        @Override
        public byte[] encode(long sentAt) {
            byte[] payload = new byte[size];
            LONGS.set(payload, 0, sentAt);
            return payload;
        }

        @Override
        public long sentAt(byte[] received) {
            return (long) LONGS.get(received, 0);
        }

        @Override
        public Object object(long sentAt) {
            return encode(sentAt);
        }

        @Override
        public Class<?> type() {
            return byte[].class;
        }

        @Override
        public long sentAtOf(Object received) {
            return sentAt((byte[]) received);
        }
    }

    /** A {@link Sample} record as JSON of about {@code size} bytes (Jackson's defaults, as Courier's codec). */
    final class Json implements PayloadFormat {
        private static final ObjectMapper MAPPER = new ObjectMapper();
        private final int size;
        private final String text;

        Json(int size) {
            this.size = size;
            int framing = bytesOf(new Sample(System.nanoTime(), "")).length;
            this.text = "x".repeat(Math.max(0, size - framing));
        }

        int size() {
            return size;
        }

        @Override
        public String name() {
            return "json";
        }

        @Override
        public byte[] encode(long sentAt) {
            return bytesOf(new Sample(sentAt, text));
        }

        @Override
        public long sentAt(byte[] received) {
            try {
                return MAPPER.readValue(received, Sample.class).sentAt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Object object(long sentAt) {
            return new Sample(sentAt, text);
        }

        @Override
        public Class<?> type() {
            return Sample.class;
        }

        @Override
        public long sentAtOf(Object received) {
            return ((Sample) received).sentAt();
        }

        private static byte[] bytesOf(Sample sample) {
            try {
                return MAPPER.writeValueAsBytes(sample);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

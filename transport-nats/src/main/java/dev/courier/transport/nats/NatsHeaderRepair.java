package dev.courier.transport.nats;

import io.nats.client.impl.SocketDataPortWithWriteTimeout;
import io.nats.client.support.IncomingHeadersProcessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The socket jnats reads from, with every incoming header block jnats would choke on rewritten
 * into one it reads. Not part of Courier's API: public only because jnats creates its data port
 * by class name.
 *
 * <p>Why: the NATS server and other clients accept any bytes but CR and LF in a header value
 * ({@code x-city: Zürich} in UTF-8), while jnats (2.26 and the current sources alike) throws an
 * {@code IllegalArgumentException} for a value byte above 127, a lone CR or LF, or a name that is
 * not printable ASCII. That exception escapes jnats' reader thread, which ends without telling
 * anyone: the connection stays "connected" but deaf until pings time out, and the same message
 * comes back after every reconnect. So each {@code HMSG} whose header block jnats would refuse
 * gets a repaired block, its lengths adjusted: a bad value travels as
 * {@code =?UTF-8?B?<base64 of its bytes>?=} and a bad name as {@code Courier-Hdr-<base64url>},
 * the forms {@link NatsHeaders} writes for the same reason and decodes on receipt, so the handler
 * sees the header as the producer wrote it. Everything else passes through unchanged.
 */
public final class NatsHeaderRepair extends SocketDataPortWithWriteTimeout {

    private final Parser parser = new Parser();
    private byte[] scratch = new byte[0];

    /** Created by jnats through {@code Options.dataPortType}. */
    public NatsHeaderRepair() {
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        while (!parser.hasOutput()) {
            if (scratch.length < len) {
                scratch = new byte[len];
            }
            int read = super.read(scratch, 0, len);
            if (read <= 0) {
                return read;
            }
            parser.accept(scratch, 0, read);
        }
        return parser.drainTo(dst, off, len);
    }

    /**
     * Follows the server's protocol stream (control lines, then for {@code MSG} and {@code HMSG}
     * a counted payload) and repairs header blocks. Not thread safe: one per connection, fed by
     * jnats' single reader thread.
     */
    static final class Parser {

        private enum Mode { LINE, HEADERS, BODY }

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] VERSION_LINE = "NATS/1.0".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ENCODED_NAME = NatsHeaders.ENCODED_NAME_PREFIX.getBytes(StandardCharsets.US_ASCII);

        private Mode mode = Mode.LINE;
        private final Bytes line = new Bytes(256);
        private final Bytes output = new Bytes(64 * 1024);
        private Bytes headers = new Bytes(256);
        private int headerLength;
        private long totalLength;
        private long bodyLeft;

        boolean hasOutput() {
            return output.size() > 0;
        }

        /** Copies up to {@code len} bytes of repaired stream into {@code dst}; the count copied. */
        int drainTo(byte[] dst, int off, int len) {
            return output.take(dst, off, len);
        }

        /** Takes {@code len} bytes as read from the server. */
        void accept(byte[] src, int off, int len) {
            int pos = off;
            int end = off + len;
            while (pos < end) {
                switch (mode) {
                    case LINE -> pos = readLine(src, pos, end);
                    case HEADERS -> {
                        int take = Math.min(end - pos, headerLength - headers.size());
                        headers.append(src, pos, take);
                        pos += take;
                        if (headers.size() == headerLength) {
                            emitHeaders();
                        }
                    }
                    case BODY -> {
                        int take = (int) Math.min(end - pos, bodyLeft);
                        output.append(src, pos, take);
                        pos += take;
                        bodyLeft -= take;
                        if (bodyLeft == 0) {
                            mode = Mode.LINE;
                        }
                    }
                }
            }
        }

        private int readLine(byte[] src, int pos, int end) {
            int newline = pos;
            while (newline < end && src[newline] != '\n') {
                newline++;
            }
            if (newline == end) {
                line.append(src, pos, end - pos);
                return end;
            }
            line.append(src, pos, newline + 1 - pos);
            lineDone();
            return newline + 1;
        }

        private void lineDone() {
            byte[] text = line.array();
            int length = line.size();
            if (startsWith(text, length, "HMSG ")) {
                long[] sizes = lastNumbers(text, length, 2);
                if (sizes != null && sizes[0] >= 0 && sizes[0] <= sizes[1] && sizes[0] <= Integer.MAX_VALUE) {
                    headerLength = (int) sizes[0];
                    totalLength = sizes[1];
                    headers.clear();
                    mode = headerLength == 0 ? Mode.BODY : Mode.HEADERS;
                    if (headerLength == 0) {
                        output.append(text, 0, length);
                        line.clear();
                        bodyLeft = totalLength + 2;
                    }
                    return; // the line waits for its header block
                }
            } else if (startsWith(text, length, "MSG ")) {
                long[] sizes = lastNumbers(text, length, 1);
                if (sizes != null && sizes[0] >= 0) {
                    output.append(text, 0, length);
                    line.clear();
                    bodyLeft = sizes[0] + 2;
                    mode = Mode.BODY;
                    return;
                }
            }
            output.append(text, 0, length);
            line.clear();
        }

        private void emitHeaders() {
            byte[] block = headers.toArray();
            byte[] repaired = readable(block) ? null : repair(block);
            if (repaired == null) {
                output.append(line.array(), 0, line.size());
                output.append(block, 0, block.length);
            } else {
                byte[] text = line.array();
                int numbersStart = startOfLastNumbers(text, line.size(), 2);
                output.append(text, 0, numbersStart);
                String sizes = repaired.length + " " + (totalLength - headerLength + repaired.length) + "\r\n";
                byte[] sizeBytes = sizes.getBytes(StandardCharsets.US_ASCII);
                output.append(sizeBytes, 0, sizeBytes.length);
                output.append(repaired, 0, repaired.length);
            }
            line.clear();
            if (headers.capacity() > 64 * 1024) {
                headers = new Bytes(256);
            }
            headers.clear();
            bodyLeft = totalLength - headerLength + 2;
            mode = Mode.BODY;
        }

        /** Whether jnats reads {@code block}: a quick check for the usual shape, jnats' own parser otherwise. */
        static boolean readable(byte[] block) {
            if (plainShape(block)) {
                return true;
            }
            try {
                new IncomingHeadersProcessor(block);
                return true;
            } catch (RuntimeException refused) {
                return false;
            }
        }

        /**
         * {@code NATS/1.0} CRLF, then lines {@code name:value} CRLF (name printable ASCII without
         * {@code :}, value ASCII without CR or LF), then CRLF: what jnats always reads.
         */
        private static boolean plainShape(byte[] b) {
            int n = b.length;
            if (n < 12 || !startsWith(b, n, "NATS/1.0\r\n") || b[n - 4] != '\r' || b[n - 3] != '\n'
                    || b[n - 2] != '\r' || b[n - 1] != '\n') {
                return false;
            }
            int i = 10;
            while (i < n - 2) {
                int nameStart = i;
                while (i < n && b[i] != ':') {
                    if (b[i] < 33 || b[i] > 126) {
                        return false;
                    }
                    i++;
                }
                if (i == nameStart || i >= n) {
                    return false;
                }
                i++;
                while (i < n && b[i] != '\r') {
                    if (b[i] < 0 || b[i] == '\n') {
                        return false;
                    }
                    i++;
                }
                if (i + 1 >= n || b[i + 1] != '\n') {
                    return false;
                }
                i += 2;
            }
            return i == n - 2;
        }

        /**
         * A block jnats reads, holding what {@code block} holds: lines split at CRLF, a line without
         * {@code :} taken as a name with an empty value, a bad name or value written encoded.
         */
        static byte[] repair(byte[] block) {
            Bytes out = new Bytes(block.length * 2 + 16);
            int n = block.length;
            int lineEnd = indexOfCrlf(block, 0, n);
            int firstEnd = lineEnd < 0 ? n : lineEnd;
            if (startsWith(block, firstEnd, "NATS/1.0") && printableAscii(block, 0, firstEnd)) {
                out.append(block, 0, firstEnd);
            } else {
                out.append(VERSION_LINE, 0, VERSION_LINE.length);
            }
            out.append(CRLF, 0, 2);
            int pos = lineEnd < 0 ? n : lineEnd + 2;
            while (pos < n) {
                int end = indexOfCrlf(block, pos, n);
                if (end < 0) {
                    end = n;
                }
                if (end > pos) {
                    appendHeader(out, block, pos, end);
                }
                pos = end + 2;
            }
            out.append(CRLF, 0, 2);
            byte[] repaired = out.toArray();
            try {
                new IncomingHeadersProcessor(repaired);
                return repaired;
            } catch (RuntimeException stillRefused) {
                byte[] empty = "NATS/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                return empty;
            }
        }

        private static void appendHeader(Bytes out, byte[] b, int from, int to) {
            int colon = from;
            while (colon < to && b[colon] != ':') {
                colon++;
            }
            int nameEnd = colon;
            int valueStart = Math.min(colon + 1, to);
            while (valueStart < to && (b[valueStart] == ' ' || b[valueStart] == '\t')) {
                valueStart++;
            }
            int valueEnd = to;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (nameEnd > from && nameOk(b, from, nameEnd)) {
                out.append(b, from, nameEnd - from);
            } else {
                out.append(ENCODED_NAME, 0, ENCODED_NAME.length);
                byte[] name = Base64.getUrlEncoder().withoutPadding().encode(Arrays.copyOfRange(b, from, nameEnd));
                out.append(name, 0, name.length);
            }
            out.append(new byte[] {':', ' '}, 0, 2);
            if (valueOk(b, valueStart, valueEnd)) {
                out.append(b, valueStart, valueEnd - valueStart);
            } else {
                String encoded = NatsHeaders.ENCODED_PREFIX
                        + Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, valueStart, valueEnd))
                        + NatsHeaders.ENCODED_SUFFIX;
                byte[] value = encoded.getBytes(StandardCharsets.US_ASCII);
                out.append(value, 0, value.length);
            }
            out.append(CRLF, 0, 2);
        }

        private static boolean nameOk(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 33 || b[i] > 126 || b[i] == ':') {
                    return false;
                }
            }
            return true;
        }

        private static boolean valueOk(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 0 || b[i] == '\r' || b[i] == '\n') {
                    return false;
                }
            }
            return true;
        }

        private static boolean printableAscii(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 32 || b[i] > 126) {
                    return false;
                }
            }
            return true;
        }

        private static int indexOfCrlf(byte[] b, int from, int to) {
            for (int i = from; i + 1 < to; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private static boolean startsWith(byte[] b, int length, String prefix) {
            if (length < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (b[i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** The index where the last {@code count} space-separated tokens of a control line start. */
        private static int startOfLastNumbers(byte[] b, int length, int count) {
            int i = length;
            while (i > 0 && (b[i - 1] == '\r' || b[i - 1] == '\n')) {
                i--;
            }
            for (int token = 0; token < count; token++) {
                while (i > 0 && (b[i - 1] == ' ' || b[i - 1] == '\t')) {
                    i--;
                }
                while (i > 0 && b[i - 1] != ' ' && b[i - 1] != '\t') {
                    i--;
                }
            }
            return i;
        }

        /** The last {@code count} tokens of a control line as numbers, or {@code null}. */
        private static long[] lastNumbers(byte[] b, int length, int count) {
            int start = startOfLastNumbers(b, length, count);
            String[] tokens = new String(b, start, length - start, StandardCharsets.US_ASCII).trim().split("[ \t]+");
            if (tokens.length != count) {
                return null;
            }
            long[] numbers = new long[count];
            try {
                for (int i = 0; i < count; i++) {
                    numbers[i] = Long.parseLong(tokens[i]);
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return numbers;
        }
    }

    /** A growable byte buffer read from the front. */
    private static final class Bytes {
        private byte[] data;
        private int start;
        private int end;

        Bytes(int capacity) {
            data = new byte[capacity];
        }

        int size() {
            return end - start;
        }

        int capacity() {
            return data.length;
        }

        /** The backing array; the content is at {@code [0, size())} as long as nothing was taken. */
        byte[] array() {
            compact();
            return data;
        }

        void clear() {
            start = 0;
            end = 0;
        }

        void append(byte[] src, int off, int len) {
            if (len <= 0) {
                return;
            }
            if (end + len > data.length) {
                compact();
                if (end + len > data.length) {
                    data = Arrays.copyOf(data, Math.max(data.length * 2, end + len));
                }
            }
            System.arraycopy(src, off, data, end, len);
            end += len;
        }

        int take(byte[] dst, int off, int len) {
            int count = Math.min(len, size());
            System.arraycopy(data, start, dst, off, count);
            start += count;
            if (start == end) {
                clear();
            }
            return count;
        }

        byte[] toArray() {
            return Arrays.copyOfRange(data, start, end);
        }

        private void compact() {
            if (start > 0) {
                System.arraycopy(data, start, data, 0, end - start);
                end -= start;
                start = 0;
            }
        }
    }
}

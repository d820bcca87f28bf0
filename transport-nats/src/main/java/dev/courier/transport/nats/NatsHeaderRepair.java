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
    private final Source socket = super::read;

    /** Created by jnats through {@code Options.dataPortType}. */
    public NatsHeaderRepair() {
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        return parser.read(dst, off, len, socket);
    }

    /** Where {@link Parser} reads the server's bytes from: the socket, or a test's stream. */
    @FunctionalInterface
    interface Source {
        /** Like {@link java.io.InputStream#read(byte[], int, int)}: blocks for at least one byte, -1 at the end. */
        int read(byte[] dst, int off, int len) throws IOException;
    }

    /**
     * Follows the server's protocol stream (control lines, then for {@code MSG} and {@code HMSG}
     * a counted payload) and repairs header blocks. Not thread safe: one per connection, fed by
     * jnats' single reader thread.
     *
     * <p>The bytes are read straight into jnats' buffer and scanned there: control lines, bodies
     * and header blocks jnats reads pass without a copy. Only an item cut by the end of a read (a
     * line, or an {@code HMSG} line with its header block) is held back and put in front of the
     * next read, and only a header block that needs repair sends what follows it through a
     * buffer. Nothing complete is ever held while the socket is read, so no message waits for the
     * next one.
     */
    static final class Parser {

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] VERSION_LINE = "NATS/1.0".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ENCODED_NAME = NatsHeaders.ENCODED_NAME_PREFIX.getBytes(StandardCharsets.US_ASCII);
        private static final byte[] NAME_VALUE_SEPARATOR = {':', ' '};

        /** Why {@link #scan} stopped before the end of its range. */
        private enum Stop { END, INCOMPLETE, REPAIR }

        /** Payload bytes (body and its CRLF) of the current message still to pass unchanged. */
        private long bodyLeft;
        /** The start of an item cut by the end of the last read; at most one item, never a complete one. */
        private final Bytes held = new Bytes(256);
        /** Repaired bytes, and what followed them in the same read, to hand out before reading again. */
        private final Bytes output = new Bytes(4 * 1024);
        private Stop stop = Stop.END;
        // the HMSG item scan stopped at for repair: where its line ends, its header and total lengths
        private int lineEnd;
        private int headerLength;
        private long totalLength;

        /**
         * Fills {@code dst} from {@code source} like {@link Source#read}, with header blocks
         * jnats would refuse repaired; never returns 0.
         */
        int read(byte[] dst, int off, int len, Source source) throws IOException {
            while (true) {
                if (output.size() > 0) {
                    return output.take(dst, off, len);
                }
                int kept = held.size();
                if (kept * 2 > len) {
                    // an item longer than half the caller's buffer: collect it on the side
                    int read = readBeside(len, source);
                    if (read < 0) {
                        return read;
                    }
                    continue;
                }
                held.take(dst, off, kept);
                int read = source.read(dst, off + kept, len - kept);
                if (read <= 0) {
                    held.append(dst, off, kept);
                    if (read < 0) {
                        return read;
                    }
                    continue;
                }
                int end = off + kept + read;
                int at = scan(dst, off, end);
                if (stop == Stop.INCOMPLETE) {
                    held.append(dst, at, end - at);
                } else if (stop == Stop.REPAIR) {
                    feed(dst, repairInto(dst, at), end);
                }
                if (at > off) {
                    return at - off;
                }
            }
        }

        /** Reads into the held item, then processes it from a buffer of its own; the count read or -1. */
        private int readBeside(int len, Source source) throws IOException {
            byte[] chunk = new byte[len];
            int read = source.read(chunk, 0, len);
            if (read > 0) {
                held.append(chunk, 0, read);
                byte[] pending = held.toArray();
                held.clear();
                feed(pending, 0, pending.length);
            }
            return read;
        }

        /** Processes {@code b[pos, end)} into {@link #output}, holding back a cut item at the end. */
        private void feed(byte[] b, int pos, int end) {
            while (pos < end) {
                int at = scan(b, pos, end);
                output.append(b, pos, at - pos);
                if (stop == Stop.INCOMPLETE) {
                    held.append(b, at, end - at);
                    return;
                }
                if (stop != Stop.REPAIR) {
                    return;
                }
                pos = repairInto(b, at);
            }
        }

        /**
         * Moves past every item in {@code b[pos, end)} that passes unchanged and returns where it
         * stopped: {@code end}, or the start of an item cut by {@code end} or needing repair
         * ({@link #stop} says which). Allocates nothing for the usual shapes.
         */
        private int scan(byte[] b, int pos, int end) {
            while (pos < end) {
                if (bodyLeft > 0) {
                    int take = (int) Math.min(bodyLeft, end - pos);
                    pos += take;
                    bodyLeft -= take;
                    continue;
                }
                int newline = indexOf(b, pos, end, (byte) '\n');
                if (newline < 0) {
                    stop = Stop.INCOMPLETE;
                    return pos;
                }
                int next = newline + 1;
                if (startsWith(b, pos, next, "HMSG ")) {
                    long total = lastNumber(b, pos, next, 0);
                    long header = lastNumber(b, pos, next, 1);
                    if (header >= 0 && total >= 0 && header <= total && header <= Integer.MAX_VALUE) {
                        if (header > end - next) {
                            stop = Stop.INCOMPLETE;
                            return pos;
                        }
                        if (header > 0 && !readable(b, next, (int) header)) {
                            lineEnd = next;
                            headerLength = (int) header;
                            totalLength = total;
                            stop = Stop.REPAIR;
                            return pos;
                        }
                        next += (int) header;
                        bodyLeft = total - header + 2;
                    }
                } else if (startsWith(b, pos, next, "MSG ")) {
                    long size = lastNumber(b, pos, next, 0);
                    if (size >= 0) {
                        bodyLeft = size + 2;
                    }
                }
                pos = next;
            }
            stop = Stop.END;
            return end;
        }

        /**
         * Writes the {@code HMSG} item {@link #scan} stopped at in {@code b} to {@link #output} with
         * its header block repaired and its lengths adjusted; the index after its header block.
         */
        private int repairInto(byte[] b, int lineStart) {
            int blockEnd = lineEnd + headerLength;
            byte[] repaired = repair(Arrays.copyOfRange(b, lineEnd, blockEnd));
            output.append(b, lineStart, startOfLastNumbers(b, lineStart, lineEnd, 2) - lineStart);
            byte[] sizes = (repaired.length + " " + (totalLength - headerLength + repaired.length) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            output.append(sizes, 0, sizes.length);
            output.append(repaired, 0, repaired.length);
            bodyLeft = totalLength - headerLength + 2;
            return blockEnd;
        }

        /** Whether jnats reads the header block at {@code b[from, from + length)}. */
        private static boolean readable(byte[] b, int from, int length) {
            return plainShape(b, from, length) || readable(Arrays.copyOfRange(b, from, from + length));
        }

        /** Whether jnats reads {@code block}: a quick check for the usual shape, jnats' own parser otherwise. */
        static boolean readable(byte[] block) {
            if (plainShape(block, 0, block.length)) {
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
        private static boolean plainShape(byte[] b, int from, int length) {
            int n = from + length;
            if (length < 12 || !startsWith(b, from, n, "NATS/1.0\r\n") || b[n - 4] != '\r' || b[n - 3] != '\n'
                    || b[n - 2] != '\r' || b[n - 1] != '\n') {
                return false;
            }
            int i = from + 10;
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
            if (startsWith(block, 0, firstEnd, "NATS/1.0") && printableAscii(block, 0, firstEnd)) {
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
            out.append(NAME_VALUE_SEPARATOR, 0, 2);
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

        private static int indexOf(byte[] b, int from, int to, byte wanted) {
            for (int i = from; i < to; i++) {
                if (b[i] == wanted) {
                    return i;
                }
            }
            return -1;
        }

        /** Whether {@code b[from, to)} starts with the ASCII {@code prefix}. */
        private static boolean startsWith(byte[] b, int from, int to, String prefix) {
            if (to - from < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (b[from + i] != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** The index where the last {@code count} space-separated tokens of the control line {@code b[from, to)} start. */
        private static int startOfLastNumbers(byte[] b, int from, int to, int count) {
            int i = to;
            while (i > from && (b[i - 1] == '\r' || b[i - 1] == '\n')) {
                i--;
            }
            for (int token = 0; token < count; token++) {
                while (i > from && (b[i - 1] == ' ' || b[i - 1] == '\t')) {
                    i--;
                }
                while (i > from && b[i - 1] != ' ' && b[i - 1] != '\t') {
                    i--;
                }
            }
            return i;
        }

        /**
         * Token {@code fromLast} (0 the last) of the control line {@code b[from, to)} as a decimal
         * number, or -1 when it is not one.
         */
        private static long lastNumber(byte[] b, int from, int to, int fromLast) {
            int tokenEnd = to;
            while (tokenEnd > from && (b[tokenEnd - 1] == '\r' || b[tokenEnd - 1] == '\n')) {
                tokenEnd--;
            }
            for (int token = 0; ; token++) {
                while (tokenEnd > from && (b[tokenEnd - 1] == ' ' || b[tokenEnd - 1] == '\t')) {
                    tokenEnd--;
                }
                int tokenStart = tokenEnd;
                while (tokenStart > from && b[tokenStart - 1] != ' ' && b[tokenStart - 1] != '\t') {
                    tokenStart--;
                }
                if (token == fromLast) {
                    return parseDecimal(b, tokenStart, tokenEnd);
                }
                tokenEnd = tokenStart;
            }
        }

        private static long parseDecimal(byte[] b, int from, int to) {
            if (from == to || to - from > 18) {
                return -1;
            }
            long value = 0;
            for (int i = from; i < to; i++) {
                if (b[i] < '0' || b[i] > '9') {
                    return -1;
                }
                value = value * 10 + (b[i] - '0');
            }
            return value;
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

package dev.courier.transport.nats;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import io.nats.client.impl.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Not a test: a measurement of {@link NatsHeaderRepair.Parser} over the byte stream a JetStream
 * consumer of Courier's CloudEvents-form messages receives, in jnats' 64 KiB reads. Prints CPU ns (of this thread) and
 * bytes allocated per message. Run with
 * {@code java -cp <test-classpath> dev.courier.transport.nats.NatsHeaderRepairThroughput [bodyBytes]}.
 */
final class NatsHeaderRepairThroughput {

    private NatsHeaderRepairThroughput() {
    }

    public static void main(String[] args) throws IOException {
        int bodySize = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int messages = 20_000;
        byte[] stream = stream(messages, bodySize);
        byte[] dst = new byte[64 * 1024];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 30; round++) {
            NatsHeaderRepair.Parser parser = new NatsHeaderRepair.Parser();
            int[] position = {0};
            NatsHeaderRepair.Source source = (b, off, len) -> {
                if (position[0] == stream.length) {
                    return -1;
                }
                int n = Math.min(len, stream.length - position[0]);
                System.arraycopy(stream, position[0], b, off, n);
                position[0] += n;
                return n;
            };
            long allocated = threads.getCurrentThreadAllocatedBytes();
            long start = threads.getCurrentThreadCpuTime();
            long total = 0;
            int n;
            while ((n = parser.read(dst, 0, dst.length, source)) > 0) {
                total += n;
            }
            long nanos = threads.getCurrentThreadCpuTime() - start;
            allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
            if (total != stream.length) {
                throw new IllegalStateException(total + " bytes out of " + stream.length);
            }
            if (round >= 20) {
                System.out.printf("%d B bodies: %.1f ns/message, %.1f B allocated/message%n", bodySize,
                        (double) nanos / messages, (double) allocated / messages);
            }
        }
    }

    /** {@code messages} HMSG frames as JetStream delivers Courier's default-form messages. */
    static byte[] stream(int messages, int bodySize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] body = new byte[bodySize];
        java.util.Arrays.fill(body, (byte) 'x');
        Destination topic = Destination.topic("bench.bytes");
        for (int i = 0; i < messages; i++) {
            Envelope envelope = new Envelope(java.util.UUID.randomUUID().toString(), topic, null, Map.of(), body,
                    "application/octet-stream", Instant.ofEpochMilli(1_700_000_000_000L + i));
            Headers headers = NatsHeaders.toHeaders(envelope);
            headers.put(NatsHeaders.MSG_ID, envelope.id());
            byte[] block = headers.getSerialized();
            String line = "HMSG bench.bytes 7 $JS.ACK.courier-bench.bench-group.1." + (i + 1) + "." + (i + 1)
                    + ".1701234567890123456.0 " + block.length + " " + (block.length + bodySize) + "\r\n";
            out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(block);
            out.writeBytes(body);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }
}

package dev.courier.testkit;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A consumer meant to be killed: run in a child JVM by {@link ReliabilitySuite}, it joins a group
 * and appends the id of every message it handled to a file before the handler returns (so before
 * the ack). The file survives a SIGKILL because each line is written straight to the OS.
 *
 * <p>Arguments: {@code url topic group output-file}. Prints {@code ready} once subscribed.
 */
public final class CrashingConsumer {

    private CrashingConsumer() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String topic = args[1];
        String group = args[2];
        try (FileOutputStream out = new FileOutputStream(args[3], true);
             MessageBus bus = MessageBus.connect(url)) {
            bus.subscribe(topic, group, String.class, message -> {
                byte[] line = (message.id() + "\n").getBytes(StandardCharsets.UTF_8);
                synchronized (out) {
                    out.write(line);
                }
            }, ConsumerOptions.concurrency(4).withMaxInFlight(64));
            System.out.println("ready");
            System.out.flush();
            new CountDownLatch(1).await(); // until killed
        } catch (IOException e) {
            System.err.println("consumer failed: " + e);
            System.exit(3);
        }
    }
}

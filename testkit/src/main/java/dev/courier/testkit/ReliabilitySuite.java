package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failure scenarios with loss counting, run by each broker transport by subclassing: a consumer
 * killed with SIGKILL mid-stream, and thousands of generated bad inputs. Each test prints its
 * counts (published, handled, lost, duplicated).
 */
@Tag("reliability")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class ReliabilitySuite {

    private static final Pattern LEGAL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,120}");
    private static final Pattern LEGAL_HEADER = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
    private final String prefix = "rk-" + UUID.randomUUID().toString().substring(0, 8);

    /** The broker's URL. */
    protected abstract String url();

    /** The URL the killed consumer and its successor use; by default {@link #url()}. */
    protected String crashUrl() {
        return url();
    }

    /** The broker's message size limit as Courier enforces it; the default is 1 MiB. */
    protected int maxPayloadBytes() {
        return 1024 * 1024;
    }

    /** Whether consumers in other processes can share this broker; {@code memory://} cannot. */
    protected boolean brokerOutlivesConsumers() {
        return true;
    }

    /** The options every bus of these scenarios connects with; by default {@link BusOptions#defaults()}. */
    protected BusOptions busOptions() {
        return BusOptions.defaults();
    }

    /**
     * How long the fuzz scenario waits for its messages to be handled once they are all published;
     * 90 s by default. A broker that answers far more slowly than a real one (an emulator) may take
     * longer: what is checked stays the same, only the wait grows.
     */
    protected Duration fuzzPatience() {
        return Duration.ofSeconds(90);
    }

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    @BeforeEach
    void checkBroker() {
        beforeEachTest();
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(MessageBus::close);
        buses.clear();
    }

    private MessageBus connect(String url) {
        MessageBus bus = MessageBus.connect(url, busOptions());
        buses.add(bus);
        return bus;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void a_consumer_killed_mid_stream_loses_no_message() throws Exception {
        Assumptions.assumeTrue(brokerOutlivesConsumers(), "the broker lives inside the consumer's JVM");
        String topic = prefix + ".crash";
        String group = "g";
        Path handledFile = Files.createTempFile("courier-crash", ".ids");
        MessageBus publisher = connect(crashUrl());
        Process child = startChild(topic, group, handledFile);
        try {
            Set<String> confirmed = new HashSet<>();
            int total = 10_000;
            for (int batch = 0; batch < total / 500; batch++) {
                List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    stages.add(publisher.publish(OutgoingMessage.of(topic, "m" + batch + "-" + i).withKey("k" + (i % 16)))
                            .toCompletableFuture());
                }
                for (CompletableFuture<PublishReceipt> stage : stages) {
                    confirmed.add(stage.get(60, TimeUnit.SECONDS).id());
                }
            }
            awaitCondition(() -> lines(handledFile).size() >= 2_000, Duration.ofSeconds(60),
                    "the child consumer to handle 2,000 messages");
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no ack of in-flight work
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
            int handledByChild = lines(handledFile).size();

            Inbox<String> successor = new Inbox<>();
            connect(crashUrl()).subscribe(topic, group, String.class, successor, ConsumerOptions.concurrency(4));
            Set<String> byChild = new HashSet<>(lines(handledFile));
            Set<String> missing = new HashSet<>(confirmed);
            missing.removeAll(byChild);
            successor.awaitIds(missing, Duration.ofSeconds(120));

            Set<String> handled = new HashSet<>(byChild);
            handled.addAll(successor.ids());
            long lost = confirmed.stream().filter(id -> !handled.contains(id)).count();
            int deliveries = handledByChild + successor.messages().size();
            System.out.printf("consumer crash: published %d, handled %d (%d before the kill), lost %d, duplicates %d%n",
                    confirmed.size(), handled.size(), handledByChild, lost, deliveries - handled.size());
            assertEquals(0, lost);
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(handledFile);
        }
    }

    private Process startChild(String topic, String group, Path handledFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashingConsumer.class.getName(), crashUrl(), topic, group, handledFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.equals("ready")) {
                        return line;
                    }
                }
                return "exited with " + process.waitFor();
            } catch (IOException | InterruptedException e) {
                return e.toString();
            }
        });
        try {
            String answer = ready.get(60, TimeUnit.SECONDS);
            if (!answer.equals("ready")) {
                fail("the child consumer did not start: " + answer);
            }
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("the child consumer did not start within 60 s", e);
        }
        return process;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitCondition(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling a file another process writes: nothing to wait on
        }
    }

    // Fuzzing ---------------------------------------------------------------------------------------

    private static final String NAME_ALPHABET = "abcXYZ019._-";
    private static final String[] HOSTILE = {" ", "/", "*", ">", ":", "\u0000", "\n", "\r", "\t", "ü", "€", "😀", "\u007f"};
    /** Header names that start like Courier's, the CloudEvents bindings' or a broker's own, in mixed case. */
    private static final String[] RESERVED_STARTS = {"courier-", "Courier-", "ce_", "CE-", "cloudEvents_",
            "cloudEvents:", "Nats-", "x-death", "content-type", "CC", "ce", "nats", "x-"};
    private static final Pattern RESERVED_HEADER = Pattern.compile(
            "(?i)(courier-|ce_|ce-|cloudevents_|nats-|x-death|x-first-death-|x-last-death-).*|content-type|content_type|cc|bcc");

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void ten_thousand_generated_inputs_are_each_delivered_intact_rejected_or_dead_lettered() throws Exception {
        long seed = Long.getLong("courier.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        MessageBus bus = connect(url());
        String topic = prefix + ".fuzz";
        Inbox<byte[]> raw = new Inbox<>();
        bus.subscribe(topic, "raw", byte[].class, raw, ConsumerOptions.concurrency(4).withMaxInFlight(256));
        Inbox<Greeting> typed = new Inbox<>();
        Subscription typedSubscription = bus.subscribe(topic, "typed", Greeting.class, typed,
                ConsumerOptions.concurrency(4).withMaxInFlight(256).withRetry(RetryPolicy.none()));
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(typedSubscription.deadLetterQueue(), byte[].class).work(deadLetters,
                ConsumerOptions.concurrency(4).withMaxInFlight(256));

        Map<String, OutgoingMessage> sent = new LinkedHashMap<>();
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        int rejected = 0;
        int cases = 10_000;
        for (int c = 0; c < cases; c++) {
            OutgoingMessage message;
            boolean expectValid;
            switch (random.nextInt(4)) {
                case 0 -> { // a topic name
                    String name = fuzzName(random);
                    expectValid = LEGAL_NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
                    if (expectValid) {
                        name = topic; // a valid random name would create a topic per case: send to ours instead
                    }
                    message = OutgoingMessage.of(name, new byte[] {1});
                }
                case 1 -> { // a header
                    String name = switch (random.nextInt(4)) {
                        case 0 -> fuzzName(random);
                        case 1 -> RESERVED_STARTS[random.nextInt(RESERVED_STARTS.length)]
                                + (random.nextBoolean() ? "" : fuzzName(random));
                        default -> "h" + random.nextInt(100);
                    };
                    String value = fuzzValue(random);
                    expectValid = LEGAL_HEADER.matcher(name).matches() && !RESERVED_HEADER.matcher(name).matches()
                            && value.length() <= 8192
                            && value.chars().noneMatch(ch -> ch != '\t' && Character.isISOControl(ch));
                    message = OutgoingMessage.of(topic, new byte[] {2}).withHeader(name, value);
                }
                case 2 -> { // a binary payload, sometimes at or over the limit
                    int size = random.nextInt(500) == 0 ? maxPayloadBytes() + random.nextInt(2) : random.nextInt(2048);
                    byte[] payload = new byte[size];
                    random.nextBytes(payload);
                    expectValid = size <= maxPayloadBytes();
                    message = OutgoingMessage.of(topic, payload);
                }
                default -> { // text that is almost JSON
                    String text = random.nextBoolean() ? "{\"text\": \"" + fuzzValue(random) : fuzzValue(random) + "}";
                    expectValid = true;
                    message = OutgoingMessage.of(topic, text.getBytes(StandardCharsets.UTF_8));
                }
            }
            try {
                CompletableFuture<PublishReceipt> stage = bus.publish(message).toCompletableFuture();
                if (stage.isCompletedExceptionally() && !expectValid) {
                    assertRejected(stage, message);
                    rejected++;
                    continue;
                }
                if (!expectValid) {
                    fail("case " + c + " (seed " + seed + ") should have been rejected: " + describe(message));
                }
                stages.add(stage.thenApply(receipt -> {
                    synchronized (sent) {
                        sent.put(receipt.id(), message);
                    }
                    return receipt;
                }));
            } catch (IllegalArgumentException e) {
                if (expectValid) {
                    throw new AssertionError("case " + c + " (seed " + seed + ") was rejected: " + describe(message), e);
                }
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                rejected++;
            }
        }
        for (CompletableFuture<PublishReceipt> stage : stages) {
            stage.get(60, TimeUnit.SECONDS);
        }

        Duration wait = fuzzPatience();
        raw.awaitIds(sent.keySet(), wait);
        Map<String, Message<byte[]>> arrived = new HashMap<>();
        raw.messages().forEach(m -> arrived.put(m.id(), m));
        sent.forEach((id, message) -> {
            Message<byte[]> got = arrived.get(id);
            assertArrayEquals((byte[]) message.payload(), got.payload(), "payload of " + id + " (seed " + seed + ")");
            message.headers().forEach((k, v) -> assertEquals(v, got.headers().get(k), "header " + k + " of " + id));
        });
        deadLetters.awaitUntil(any -> {
            Set<String> settled = new HashSet<>(typed.ids());
            settled.addAll(deadLetters.ids());
            return settled.containsAll(sent.keySet());
        }, wait, "every message handled or dead-lettered by the typed group");
        for (Message<byte[]> letter : deadLetters.messages()) {
            assertEquals(DecodingException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        }
        System.out.printf("fuzz (seed %d): cases %d, rejected before I/O %d, delivered intact %d, "
                        + "dead-lettered as undecodable %d, decoded %d%n",
                seed, cases, rejected, sent.size(), deadLetters.ids().size(), typed.ids().size());
        assertEquals(cases, rejected + sent.size());
    }

    private static void assertRejected(CompletableFuture<PublishReceipt> stage, OutgoingMessage message) {
        try {
            stage.join();
        } catch (CompletionException e) {
            assertTrue(e.getCause() instanceof MessageTooLargeException, "rejected as too large: " + describe(message) + ": " + e.getCause());
        }
    }

    private static String fuzzName(Random random) {
        int length = random.nextInt(10) == 0 ? 100 + random.nextInt(40) : random.nextInt(12);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(random.nextInt(8) == 0 ? HOSTILE[random.nextInt(HOSTILE.length)]
                    : NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
        }
        return out.toString();
    }

    private static String fuzzValue(Random random) {
        int length = random.nextInt(50) == 0 ? 8000 + random.nextInt(400) : random.nextInt(40);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                out.append(HOSTILE[random.nextInt(HOSTILE.length)]);
            } else if (kind == 1) {
                out.appendCodePoint(0x400 + random.nextInt(0x2000)); // Cyrillic to CJK and beyond
            } else {
                out.append((char) ('a' + random.nextInt(26)));
            }
        }
        return out.toString();
    }

    private static String describe(OutgoingMessage message) {
        String topic = message.topic().length() > 40 ? message.topic().substring(0, 40) + "…" : message.topic();
        return "topic '" + topic.replace("\n", "\\n") + "', " + message.headers().size() + " header(s), payload "
                + (message.payload() instanceof byte[] b ? b.length + " bytes" : message.payload().getClass().getSimpleName());
    }
}

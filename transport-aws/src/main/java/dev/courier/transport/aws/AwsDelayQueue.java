package dev.courier.transport.aws;

import dev.courier.api.PublishException;
import dev.courier.spi.Backoff;
import dev.courier.spi.FailureStreak;
import dev.courier.spi.NamedThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Delayed delivery on SNS and SQS. Courier's topics and queues are FIFO, and FIFO queues take no
 * per-message delay, so a message due later goes to the one <em>standard</em> SQS queue
 * {@value #QUEUE} with {@code DelaySeconds} (whole seconds, at most {@value #MAX_HOP_SECONDS}) and
 * one extra attribute {@value #ATTRIBUTE} saying when it is due and where it goes: {@code due}
 * (epoch ms), {@code kind} ({@code topic} or {@code queue}), {@code name} (the SNS topic or SQS queue
 * name) and {@code group} (its message group id). Body and every other attribute are the message's
 * wire form ({@link AwsMessages}) unchanged. Messages go there in {@code SendMessageBatch} calls
 * ({@link AwsBatcher}, at most {@value #PUT_CALLS} at once), each with its own delay.
 *
 * <p>A forwarder thread receives from that queue. A message not due yet (its delay was longer than
 * one hop) is sent again with the remaining delay, at most one hop, and the old one deleted. A due
 * one is published to its topic or queue exactly as {@code send} would (same group id, same
 * deduplication id, so a forward repeated after a crash before the delete is dropped by FIFO
 * de-duplication within its 5 minutes), then deleted. A forward that is refused is kept: its
 * visibility timeout is set to the {@link Backoff} wait of the target's {@link FailureStreak}, and
 * {@link #problem()} reports it (the transport is {@code DEGRADED}) until a forward there succeeds.
 *
 * <p>SQS keeps the messages (the queue's retention is 14 days, how long a refused forward is
 * kept; a hop is a new message, so a long delay never meets it), whichever
 * Courier processes run; forwarders run in every transport that sent a delayed message, and in
 * every transport that consumes once the queue exists, so a process that comes back delivers what
 * came due meanwhile. Forwarders of several processes compete on the queue. Order among delayed
 * messages, also of one key, is not kept. Thread safe.
 */
final class AwsDelayQueue implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AwsDelayQueue.class);

    static final String QUEUE = "courier-delay";
    static final String ATTRIBUTE = "courier-delay";
    /** SQS's longest {@code DelaySeconds}: one hop. */
    static final int MAX_HOP_SECONDS = 900;
    /**
     * How late a delayed message arrives at most on an idle service: {@code DelaySeconds} is whole
     * seconds (rounded up, never early), then one receive and one publish.
     */
    static final Duration GRANULARITY = Duration.ofSeconds(2);
    /**
     * The longest delay stated. Each hop is a new message, so SQS's retention never ends a waiting
     * one; the mechanism has no limit of its own.
     */
    static final Duration MAX_DELAY = Duration.ofDays(365);
    /** The delay queue keeps a message SQS's longest: 14 days, how long a forward may be refused. */
    static final Duration RETENTION = Duration.ofDays(14);
    /** Waits between tries of forwarding to a target that refuses: 1 s doubling to 5 min. */
    private static final Backoff RETRY_FORWARD = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
    /** Waits between receives that fail (the service does not answer): 1 s doubling to 10 s. */
    private static final Backoff RETRY_RECEIVE = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
    /** With {@code waitTime=0s} (short polling), the pause after a receive that found nothing. */
    private static final Duration SHORT_POLL_PAUSE = Duration.ofMillis(250);
    /** Delay messages being forwarded or hopped at once by one forwarder. */
    private static final int MAX_IN_FLIGHT = 100;
    /**
     * {@code SendMessageBatch} calls to the delay queue running at once. Delayed sends and hops go
     * in those, up to 10 messages a call. Sent one call each, with no bound but the HTTP pool's 256,
     * 500 delayed publishes at once made 504 to 512 calls, 68 to 165 at once (counted on moto, whose
     * listen queue overflows under such bursts: refused and reset connections, calls retried); in
     * batches, 71 to 99 calls, at most 10 connections at once.
     */
    private static final int PUT_CALLS = 8;

    private final AwsTransport transport;
    private final AwsSettings settings;
    private final SqsAsyncClient sqs;
    /** The longest single delay; {@link #MAX_HOP_SECONDS} but for tests of the hop. */
    private final int maxHopSeconds;
    private final FailureStreak<String> failing = new FailureStreak<>(RETRY_FORWARD);
    private final FailureStreak<String> receiving = new FailureStreak<>(RETRY_RECEIVE);
    private final Semaphore credits = new Semaphore(MAX_IN_FLIGHT);
    private final AwsBatcher<Held> puts = new AwsBatcher<>(PUT_CALLS, this::putBatch);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Object lock = new Object();
    private final AwsDelayQueueUrl url;
    private volatile Thread forwarder;
    private volatile CompletableFuture<ReceiveMessageResponse> call;

    AwsDelayQueue(AwsTransport transport, AwsSettings settings, SqsAsyncClient sqs, int maxHopSeconds) {
        this.transport = transport;
        this.settings = settings;
        this.sqs = sqs;
        this.maxHopSeconds = maxHopSeconds;
        this.url = new AwsDelayQueueUrl(
                () -> sqs.createQueue(r -> r.queueName(QUEUE).attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                        Long.toString(RETENTION.toSeconds())))).thenApply(r -> r.queueUrl()),
                () -> sqs.getQueueUrl(r -> r.queueName(QUEUE)).thenApply(r -> r.queueUrl()));
    }

    /**
     * Holds {@code wire} (due at {@code due}, for the topic or queue {@code name}) in the delay
     * queue, creating the queue and starting the forwarder on first use.
     */
    CompletableFuture<Void> hold(AwsMessages.Wire wire, Instant due, boolean queue, String name) {
        Map<String, String> attributes = new LinkedHashMap<>(wire.attributes());
        attributes.put(ATTRIBUTE, "due=" + due.toEpochMilli() + "&kind=" + (queue ? "queue" : "topic") + "&name="
                + encode(name) + "&group=" + encode(wire.groupId()));
        AwsMessages.Wire held = new AwsMessages.Wire(wire.body(), attributes, wire.groupId());
        if (held.size() > AwsTransport.MAX_WIRE_BYTES) {
            return CompletableFuture.failedFuture(new PublishException("a delayed message takes " + held.size()
                    + " bytes with its attributes and its due time, SQS takes at most " + AwsTransport.MAX_WIRE_BYTES));
        }
        return url.forSend().thenCompose(found -> {
            startForwarding(found);
            return put(found, held, due.toEpochMilli());
        });
    }

    /** Starts the forwarder when the delay queue exists already (a transport that consumes). Never throws. */
    void forwardIfPresent() {
        if (forwarder != null || stopping.getCount() == 0) {
            return;
        }
        url.forConsume().whenComplete((found, failure) -> {
            if (failure == null) {
                startForwarding(found);
            } else if (!(AwsTransport.unwrap(failure) instanceof QueueDoesNotExistException)) {
                log.warn("Could not look for the delay queue {} at {}: {}", QUEUE, settings.address(),
                        settings.scrub(AwsTransport.reason(failure)));
            }
        });
    }

    private void startForwarding(String queueUrl) {
        synchronized (lock) {
            if (forwarder != null || stopping.getCount() == 0) {
                return;
            }
            forwarder = NamedThreadFactory.forTransport("aws", "delay-forward").newThread(() -> run(queueUrl));
            forwarder.start();
        }
        log.info("Forwarding delayed messages from the SQS queue {} at {}", QUEUE, settings.address());
    }

    /** Whole seconds until {@code dueMillis}, rounded up, at most one hop. */
    private int delaySeconds(long dueMillis) {
        long left = dueMillis - System.currentTimeMillis();
        return (int) Math.max(0, Math.min(maxHopSeconds, (left + 999) / 1000));
    }

    /** Queues {@code held} (due at {@code dueMillis}) for a {@code SendMessageBatch} call to the delay queue. */
    private CompletableFuture<Void> put(String queueUrl, AwsMessages.Wire held, long dueMillis) {
        return puts.add(queueUrl, new Held(held, dueMillis), held.size());
    }

    /** A message to put in the delay queue, with its due time; its delay is reckoned when its call goes. */
    private record Held(AwsMessages.Wire wire, long dueMillis) {
    }

    private void putBatch(String queueUrl, List<AwsBatcher.Entry<Held>> batch) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Held held = batch.get(i).item();
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            held.wire().attributes().forEach((name, value) -> attributes.put(name,
                    MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
            entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(held.wire().body())
                    .messageAttributes(attributes).delaySeconds(delaySeconds(held.dueMillis())).build());
        }
        sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).whenComplete((response, failure) -> {
            try {
                if (failure != null) {
                    transport.noteFailure(failure);
                    batch.forEach(entry -> entry.done().completeExceptionally(AwsTransport.unwrap(failure)));
                    return;
                }
                transport.noteSuccess();
                Map<String, String> refused = new HashMap<>();
                response.failed().forEach(f -> refused.put(f.id(), f.code() + ": " + f.message()));
                for (int i = 0; i < batch.size(); i++) {
                    String why = refused.get(Integer.toString(i));
                    if (why == null) {
                        batch.get(i).done().complete(null);
                    } else {
                        batch.get(i).done().completeExceptionally(new PublishException("the delay queue " + QUEUE
                                + " at " + settings.address() + " refused a delayed message: " + settings.scrub(why)));
                    }
                }
            } finally {
                puts.finished(queueUrl);
            }
        });
    }

    private void run(String queueUrl) {
        try {
            while (stopping.getCount() > 0) {
                credits.acquire();
                int wanted = 1;
                while (wanted < AwsBatcher.MAX_ENTRIES && credits.tryAcquire()) {
                    wanted++;
                }
                ReceiveMessageResponse response = receive(queueUrl, wanted);
                int got = response == null ? 0 : response.messages().size();
                credits.release(wanted - got);
                if (response != null && got == 0 && settings.waitTime().isZero()) {
                    stopping.await(SHORT_POLL_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
                }
                if (response != null) {
                    response.messages().forEach(message -> handle(queueUrl, message)
                            .whenComplete((done, failure) -> credits.release()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("The forwarder of delayed messages at {} stopped: {}", settings.address(), settings.scrub(e.toString()));
        }
    }

    /** One receive; {@code null} when it failed (after a backoff pause) or was cancelled. */
    private ReceiveMessageResponse receive(String queueUrl, int count) throws InterruptedException {
        CompletableFuture<ReceiveMessageResponse> receive = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(count)
                .waitTimeSeconds((int) settings.waitTime().toSeconds())
                .visibilityTimeout(settings.visibilitySeconds())
                .messageAttributeNames("All")
                .overrideConfiguration(o -> o.apiCallTimeout(settings.waitTime().plus(settings.apiTimeout()))));
        call = receive;
        if (stopping.getCount() == 0) {
            receive.cancel(true);
        }
        try {
            ReceiveMessageResponse response = receive.get();
            receiving.succeeded(QUEUE);
            transport.noteSuccess();
            return response;
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            if (stopping.getCount() == 0) {
                return null;
            }
            transport.noteFailure(e.getCause());
            Duration wait = receiving.failed(QUEUE);
            log.debug("Could not receive from the delay queue at {}; trying again in {} ms: {}", settings.address(),
                    wait.toMillis(), settings.scrub(AwsTransport.reason(e.getCause())));
            stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        }
    }

    /** Hops a message not due yet, forwards a due one; completes when it is settled either way. */
    private CompletableFuture<Void> handle(String queueUrl, Message message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        message.messageAttributes().forEach((name, value) -> {
            if (value.stringValue() != null) {
                attributes.put(name, value.stringValue());
            }
        });
        Map<String, String> held = Map.copyOf(attributes);
        Map<String, String> meta = parse(attributes.remove(ATTRIBUTE));
        long due;
        try {
            due = Long.parseLong(meta.getOrDefault("due", ""));
        } catch (NumberFormatException e) {
            due = -1;
        }
        String kind = meta.get("kind");
        String name = meta.get("name");
        String group = meta.get("group");
        if (due < 0 || name == null || group == null || !("queue".equals(kind) || "topic".equals(kind))) {
            log.error("Deleting a message in the delay queue {} at {} that Courier did not write (SQS message id {})",
                    QUEUE, settings.address(), message.messageId());
            return transport.delete(queueUrl, message.receiptHandle());
        }
        int wait = delaySeconds(due);
        if (wait > 0) {
            return settle(queueUrl, message, QUEUE, Instant.ofEpochMilli(due), "hop to",
                    put(queueUrl, new AwsMessages.Wire(message.body(), held, group), due));
        }
        AwsMessages.Wire wire = new AwsMessages.Wire(message.body(), attributes, group);
        String target = kind + " " + name;
        return settle(queueUrl, message, target, Instant.ofEpochMilli(due), "forward to",
                transport.forward("queue".equals(kind), name, wire));
    }

    /** Deletes the delay message once {@code step} succeeded; otherwise keeps it for a backoff wait. */
    private CompletableFuture<Void> settle(String queueUrl, Message message, String target, Instant due, String what,
                                           CompletableFuture<Void> step) {
        return step.handle((done, failure) -> {
            if (failure == null) {
                failing.succeeded(target);
                return transport.delete(queueUrl, message.receiptHandle());
            }
            Duration wait = failing.failed(target);
            log.warn("Could not {} {} a delayed message (due {}) at {} ({} failure(s) in a row); keeping it and trying"
                            + " again in {} ms: {}", what, target, due, settings.address(), failing.failures(target),
                    wait.toMillis(), settings.scrub(AwsTransport.reason(failure)));
            return transport.changeVisibility(queueUrl, message.receiptHandle(),
                    (int) Math.max(1, (wait.toMillis() + 999) / 1000));
        }).thenCompose(next -> next).exceptionally(failure -> null);
    }

    /**
     * What keeps delayed messages from being forwarded, for the transport's health, or {@code null}
     * when every forward went through: the targets refusing and their failures in a row.
     */
    String problem() {
        Map<String, Integer> current = failing.current();
        return current.isEmpty() ? null : "delayed messages could not be forwarded (failures in a row per target: "
                + current + "); they are kept and tried again with backoff";
    }

    private static Map<String, String> parse(String packed) {
        Map<String, String> fields = new HashMap<>();
        if (packed == null) {
            return fields;
        }
        for (String pair : packed.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                fields.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /**
     * Stops receiving and cancels the receive under way. Messages received and not yet settled are
     * settled by their calls under way (the transport waits for those); any left come back after
     * the visibility timeout to a forwarder.
     */
    @Override
    public void close() {
        stopping.countDown();
        CompletableFuture<ReceiveMessageResponse> open = call;
        if (open != null) {
            open.cancel(true);
        }
        Thread thread = forwarder;
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package dev.courier.transport.nats;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Backoff;
import dev.courier.spi.Envelope;
import dev.courier.spi.FailureStreak;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed delivery on JetStream 2.9, which has no message scheduling of its own: a message due
 * later is stored in the one stream {@value #STREAM} (subject {@value #SUBJECT}, work-queue
 * retention, the transport's storage and replicas, no age limit) with its due instant and its real
 * subject and stream in headers. The durable pull consumer {@value #CONSUMER} of that stream, shared
 * by every Courier process that runs the forwarder, gives each message that is not due yet back
 * with {@code nakWithDelay(due - now)} (at most {@link #LONGEST_NAK} at a time, so a server that
 * forgot a delay only delays the next look) and publishes a due one to its real subject, with
 * every Courier header unchanged, then acks it. The server keeps both the messages and the
 * consumer's pending delays on disk, so they survive a server restart and the stop of every
 * Courier process; when a forwarder runs again, everything overdue goes out at once.
 *
 * <p>The {@code Nats-Msg-Id} of both publishes is the message's own followed by {@code @<due in
 * epoch ms>}: a retried publish, or a forward repeated after a crash before the ack, is stored once
 * (within the stream's duplicate window), while the same message scheduled again (a non-blocking
 * retry, which keeps the id) is a new message and not dropped as a duplicate of its first publish.
 * The id a handler sees is the Courier id ({@code ce-id}), not this one.
 *
 * <p>Which processes forward: every transport that sent a delayed message, and every transport
 * that consumes once the delay stream exists (checked on each {@code consume} until it runs), so
 * a process coming back to receive is also the one that delivers what became due meanwhile.
 * Forwarders of several processes compete on the one consumer. Order among delayed messages,
 * also of one key, is not kept.
 *
 * <p>Thread safe.
 */
final class NatsDelayStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NatsDelayStream.class);

    static final String STREAM = "courier-delay";
    static final String SUBJECT = "courier.delay";
    static final String CONSUMER = "courier-delay-forwarder";
    /** Epoch milliseconds when the message is due. */
    static final String DELIVER_AT = "Courier-Deliver-At";
    /** The subject the message is due on. */
    static final String TARGET_SUBJECT = "Courier-Delay-Subject";
    /** The stream that subject belongs to, checked by the server when the message is forwarded. */
    static final String TARGET_STREAM = "Courier-Delay-Stream";
    /**
     * How late a delayed message arrives at most on an idle server: the server's redelivery timer
     * and one publish (measured: 1,000 messages due over 10 s, 12 ms late in the median, 133 ms at most).
     */
    static final Duration GRANULARITY = Duration.ofMillis(250);
    /** The longest delay stated; nothing in the mechanism limits it (the stream keeps messages without an age limit). */
    static final Duration MAX_DELAY = Duration.ofDays(365);
    /** The longest single {@code nakWithDelay}; longer delays are given back again when it ends. */
    static final Duration LONGEST_NAK = Duration.ofHours(1);
    /** How long a forward that failed waits before it is tried again. */
    /** Waits between tries of forwarding to a stream that refuses: 2 s doubling to 5 min, never a fixed interval. */
    private static final Backoff RETRY_FORWARD = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));
    private static final Duration ACK_WAIT = Duration.ofSeconds(5);
    private static final int BATCH = 256;
    /**
     * The most delayed messages the server hands out at once (each waits as a pending message of the
     * consumer). Beyond it, later messages wait in the stream until earlier ones left: late, never lost.
     */
    static final int MAX_HELD = 1_000_000;
    /** How long one pull request stays open. Short, so that after a reconnect the forwarder pulls again soon. */
    private static final Duration PULL_EXPIRY = Duration.ofSeconds(1);
    /** The longest {@link #close} waits for the forwarder's subscription to drain. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int STREAM_NAME_IN_USE = 10058;

    private final NatsSettings settings;
    private final Connection connection;
    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final Object lock = new Object();
    /** Streams a forward failed to, with the failures in a row; a forward that succeeds ends one. */
    private final FailureStreak<String> failingStreams = new FailureStreak<>(RETRY_FORWARD);
    /** Set once the stream and consumer exist (by this transport or seen to exist). */
    private volatile boolean declared;
    private volatile MessageConsumer forwarder;
    /** The forwarder's own dispatcher, drained on close. */
    private volatile Dispatcher forwarding;
    private volatile boolean closed;

    NatsDelayStream(NatsSettings settings, Connection connection, JetStream jetStream, JetStreamManagement management) {
        this.settings = settings;
        this.connection = connection;
        this.jetStream = jetStream;
        this.management = management;
    }

    /**
     * Stores {@code envelope} (whose {@code deliverAt} is set) in the delay stream, after creating the
     * stream and starting the forwarder on first use; completes with the PubAck.
     */
    CompletableFuture<PublishAck> send(Envelope envelope, Headers headers, String subject, String stream) {
        startForwarding(true);
        long due = envelope.deliverAt().toEpochMilli();
        headers.put(DELIVER_AT, Long.toString(due));
        headers.put(TARGET_SUBJECT, subject);
        headers.put(TARGET_STREAM, stream);
        PublishOptions options = PublishOptions.builder()
                .messageId(scheduledId(NatsHeaders.messageId(envelope), due))
                .expectedStream(STREAM)
                .streamTimeout(NatsTransport.PUBLISH_ACK_TIMEOUT)
                .build();
        return jetStream.publishAsync(SUBJECT, headers, envelope.payload(), options);
    }

    /** Starts the forwarder when the delay stream exists already (a process that consumes). Never throws. */
    void forwardIfPresent() {
        if (forwarder != null || closed) {
            return;
        }
        try {
            startForwarding(false);
        } catch (RuntimeException e) {
            log.warn("Could not start forwarding delayed messages on NATS at {}: {}", settings.address(),
                    settings.scrub(e.getMessage()));
        }
    }

    /**
     * Creates the stream and the consumer (when {@code create}, or when the stream exists) and
     * starts this transport's forwarder, once.
     *
     * @throws ConnectionException when the server refuses or does not answer
     */
    private void startForwarding(boolean create) {
        if (forwarder != null) {
            return;
        }
        synchronized (lock) {
            if (forwarder != null || closed) {
                return;
            }
            try {
                if (!declared && !declare(create)) {
                    return;
                }
                declared = true;
                Dispatcher own = connection.createDispatcher();
                try {
                    forwarder = connection.getStreamContext(STREAM).getConsumerContext(CONSUMER)
                            .consume(ConsumeOptions.builder().batchSize(BATCH).expiresIn(PULL_EXPIRY.toMillis()).build(),
                                    own, this::onMessage);
                } catch (IOException | JetStreamApiException | RuntimeException e) {
                    connection.closeDispatcher(own);
                    throw e;
                }
                forwarding = own;
                log.info("Forwarding delayed messages from stream {} on NATS at {}", STREAM, settings.address());
            } catch (JetStreamApiException e) {
                throw new ConnectionException("NATS at " + settings.address() + " refused the delay stream " + STREAM
                        + " or its consumer " + CONSUMER + ": " + settings.scrub(e.getMessage()), e);
            } catch (IOException e) {
                throw new ConnectionException("could not set up the delay stream " + STREAM + " on NATS at "
                        + settings.address() + ": " + settings.scrub(e.getMessage()), e);
            }
        }
    }

    /** Makes the stream (if {@code create} or present) and its consumer exist; false when absent and not created. */
    private boolean declare(boolean create) throws IOException, JetStreamApiException {
        try {
            management.getStreamInfo(STREAM);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            if (!create) {
                return false;
            }
            StreamConfiguration stream = StreamConfiguration.builder()
                    .name(STREAM)
                    .description("Courier delayed messages, held until due and then forwarded to their subject")
                    .subjects(SUBJECT)
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .storageType(settings.storage() == NatsSettings.Storage.MEMORY ? StorageType.Memory : StorageType.File)
                    .replicas(settings.replicas())
                    .build();
            try {
                management.addStream(stream);
                log.info("Created delay stream {} on {}", STREAM, settings.address());
            } catch (JetStreamApiException raced) {
                if (raced.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw raced;
                }
            }
        }
        management.addOrUpdateConsumer(STREAM, ConsumerConfiguration.builder()
                .durable(CONSUMER)
                .description("Courier forwarders of delayed messages")
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(ACK_WAIT)
                .maxDeliver(-1)
                // every message waiting for its due time is pending on this consumer
                .maxAckPending(MAX_HELD)
                .build());
        return true;
    }

    /** Gives a message back until it is due, then forwards it. Runs on the consumer's dispatcher; never blocks. */
    private void onMessage(Message message) {
        Headers headers = message.getHeaders();
        String dueText = headers == null ? null : headers.getFirst(DELIVER_AT);
        String subject = headers == null ? null : headers.getFirst(TARGET_SUBJECT);
        String stream = headers == null ? null : headers.getFirst(TARGET_STREAM);
        long due;
        try {
            due = Long.parseLong(dueText);
        } catch (NumberFormatException e) {
            due = -1;
        }
        if (due < 0 || subject == null || stream == null) {
            log.error("Dropping a message in the delay stream {} on NATS at {} that Courier did not write (no due time"
                    + " or subject; stream sequence {})", STREAM, settings.address(), message.metaData().streamSequence());
            message.term();
            return;
        }
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
            message.nakWithDelay(Duration.ofMillis(Math.min(wait, LONGEST_NAK.toMillis())));
            return;
        }
        forward(message, headers, subject, stream, due);
    }

    private void forward(Message message, Headers delayed, String subject, String stream, long due) {
        Headers headers = new Headers();
        for (Map.Entry<String, List<String>> header : delayed.entrySet()) {
            String name = header.getKey();
            if (!name.equals(DELIVER_AT) && !name.equals(TARGET_SUBJECT) && !name.equals(TARGET_STREAM)
                    && !name.regionMatches(true, 0, "Nats-", 0, 5)) {
                headers.put(name, header.getValue());
            }
        }
        String msgId = delayed.getFirst(NatsHeaders.MSG_ID);
        PublishOptions.Builder options = PublishOptions.builder().expectedStream(stream)
                .streamTimeout(NatsTransport.PUBLISH_ACK_TIMEOUT);
        if (msgId != null) {
            options.messageId(msgId);
        }
        CompletableFuture<PublishAck> published;
        try {
            published = jetStream.publishAsync(subject, headers, message.getData(), options.build());
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        }
        published.whenComplete((ack, failure) -> {
            if (failure == null) {
                failingStreams.succeeded(stream);
                message.ack();
                return;
            }
            Duration wait = failingStreams.failed(stream);
            int failures = failingStreams.failures(stream);
            log.warn("Could not forward delayed message (due {}) to {} on NATS at {} ({} failure(s) in a row for stream {});"
                            + " keeping it and trying again in {} ms: {}",
                    Instant.ofEpochMilli(due), subject, settings.address(), failures, stream, wait.toMillis(),
                    settings.scrub(String.valueOf(failure.getMessage())));
            try {
                message.nakWithDelay(wait);
            } catch (RuntimeException e) {
                log.debug("Could not give a delayed message back (it comes again after the ack wait)", e);
            }
        });
    }

    /**
     * What keeps delayed messages from being forwarded, for the transport's health, or
     * {@code null} when every forward went through: the streams refusing and their failures in a row.
     */
    String problem() {
        Map<String, Integer> failing = failingStreams.current();
        return failing.isEmpty() ? null : "delayed messages could not be forwarded (failures in a row per stream: "
                + failing + "); they are kept and tried again with backoff";
    }

    /** The {@code Nats-Msg-Id} of one scheduling of a message: its own and the due instant. */
    static String scheduledId(String messageId, long dueMillis) {
        return messageId + "@" + dueMillis;
    }

    /**
     * Stops asking for more messages; the pull request still open may bring some, which are
     * handled as usual. Part one of closing, so the transport can let its consumers drain meanwhile.
     */
    void stopFetching() {
        MessageConsumer running;
        synchronized (lock) {
            closed = true;
            running = forwarder;
        }
        if (running != null) {
            running.stop();
        }
    }

    /**
     * Drains the forwarder's subscription (at most {@link #CLOSE_WAIT}): unsubscribes on the server,
     * so it sends nothing more to the pull request still open, and handles as usual what it sent
     * before. Waiting for that request to end instead cost up to its expiry. As for any NATS
     * subscription, a message the server assigned to the open request just before it applied the
     * unsubscribe is redelivered after the ack wait. Messages still being forwarded are forwarded
     * again by any forwarder after the ack wait, de-duplicated by their message id.
     */
    @Override
    public void close() {
        stopFetching();
        MessageConsumer running;
        Dispatcher own;
        synchronized (lock) {
            running = forwarder;
            own = forwarding;
            forwarder = null;
            forwarding = null;
        }
        if (running == null) {
            return;
        }
        if (own != null && connection.getStatus() == Connection.Status.CONNECTED) {
            try {
                own.drain(CLOSE_WAIT).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                log.debug("Could not drain the delay forwarder on NATS at {}", settings.address(), e);
            }
        }
        try {
            running.close();
        } catch (Exception e) {
            log.debug("Error while closing the delay forwarder on NATS at {}", settings.address(), e);
        }
        if (own != null && own.isActive()) {
            try {
                connection.closeDispatcher(own);
            } catch (RuntimeException e) {
                log.debug("Could not close the delay forwarder's dispatcher on NATS at {}", settings.address(), e);
            }
        }
    }
}

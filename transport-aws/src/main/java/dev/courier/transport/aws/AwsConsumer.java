package dev.courier.transport.aws;

import dev.courier.api.HealthStatus;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.NamedThreadFactory;
import dev.courier.spi.SettleOnceDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One consumer of one SQS queue: a thread of its own long-polls ({@code ReceiveMessage} with the
 * {@code waitTime} option; with {@code 0s} it short-polls, pausing after an empty answer until one
 * of its deliveries is settled or 100 ms have passed),
 * at most 10 messages and never more than {@code maxInFlight} unsettled,
 * and hands each message to the sink in the order SQS returned them. Ack deletes the message,
 * reject makes it visible again at once, progress extends its visibility timeout; all three go
 * through the transport's batch calls.
 *
 * <p>{@link #stopFetching()} cancels the receive under way; {@link #close()} then gives back
 * every unsettled delivery. Thread safe.
 */
final class AwsConsumer implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(AwsConsumer.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /**
     * With {@code waitTime=0s} (short polling), the longest pause after a receive that found nothing.
     * The pause ends early when one of this consumer's deliveries has been settled meanwhile: on a
     * FIFO queue a receive finds nothing while every message group with waiting messages has
     * messages in flight, and settling one frees its group. A fixed pause there capped a queue
     * with few keys at about one receive of messages per group every 100 ms.
     */
    static final Duration SHORT_POLL_PAUSE = Duration.ofMillis(100);
    /** The system attributes a receive asks for. */
    static final List<MessageSystemAttributeName> SYSTEM_ATTRIBUTES = List.of(
            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, MessageSystemAttributeName.SENT_TIMESTAMP,
            MessageSystemAttributeName.MESSAGE_GROUP_ID);

    private final ConsumerSpec spec;
    private final DeliverySink sink;
    private final String queueUrl;
    private final AwsSettings settings;
    private final SqsAsyncClient sqs;
    private final AwsTransport transport;
    private final Semaphore credits;
    private final Thread thread;
    private final Set<AwsDelivery> unsettled = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private volatile CompletableFuture<ReceiveMessageResponse> receiving;
    /** Guards {@link #settles}; notified when a delivery's settle call has ended, and on stop. */
    private final Object settledSignal = new Object();
    /** How many settle calls of this consumer have ended. */
    private long settles;
    private volatile String failing;
    private volatile boolean closed;

    AwsConsumer(ConsumerSpec spec, DeliverySink sink, String queueUrl, AwsSettings settings, SqsAsyncClient sqs,
                AwsTransport transport) {
        this.spec = spec;
        this.sink = sink;
        this.queueUrl = queueUrl;
        this.settings = settings;
        this.sqs = sqs;
        this.transport = transport;
        this.credits = new Semaphore(spec.maxInFlight());
        this.thread = NamedThreadFactory.forTransport("aws", "receive").newThread(this::run);
    }

    void start() {
        thread.start();
    }

    /** Completes once the receiving thread has ended. */
    CompletableFuture<Void> gone() {
        return gone;
    }

    private void run() {
        try {
            while (stopping.getCount() > 0) {
                int wanted = takeCredits();
                if (wanted == 0) {
                    break;
                }
                long settledBefore = settled();
                ReceiveMessageResponse response = receive(wanted);
                int got = response == null ? 0 : response.messages().size();
                credits.release(wanted - got);
                if (response != null && got == 0 && settings.waitTime().isZero()) {
                    pauseUntilSettled(settledBefore);
                }
                if (response != null) {
                    for (Message message : response.messages()) {
                        hand(message);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("Consumer of {} stopped: {}", spec, settings.scrub(e.toString()));
            failing = "stopped: " + settings.scrub(e.toString());
        } finally {
            gone.complete(null);
        }
    }

    private long settled() {
        synchronized (settledSignal) {
            return settles;
        }
    }

    /**
     * After an empty short poll: waits at most {@link #SHORT_POLL_PAUSE}, less if a settle call has
     * ended since {@code settledBefore} (it may have freed a message group) or the consumer stops.
     */
    private void pauseUntilSettled(long settledBefore) throws InterruptedException {
        long deadline = System.nanoTime() + SHORT_POLL_PAUSE.toNanos();
        synchronized (settledSignal) {
            long left;
            while (settles == settledBefore && stopping.getCount() > 0
                    && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(settledSignal, left);
            }
        }
    }

    private void noteSettled() {
        synchronized (settledSignal) {
            settles++;
            settledSignal.notifyAll();
        }
    }

    /** Waits for at least one credit and takes up to 10; 0 once stopping. */
    private int takeCredits() throws InterruptedException {
        while (!credits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            if (stopping.getCount() == 0) {
                return 0;
            }
        }
        if (stopping.getCount() == 0) {
            credits.release();
            return 0;
        }
        int taken = 1;
        while (taken < AwsBatcher.MAX_ENTRIES && credits.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    /**
     * One long poll; {@code null} when it failed or was cancelled (after a pause when it failed). Its
     * attempt id makes SQS answer a retry by the SDK (after a lost response) with the same messages
     * of a FIFO queue, rather than leave those invisible until their visibility timeout.
     */
    private ReceiveMessageResponse receive(int count) throws InterruptedException {
        CompletableFuture<ReceiveMessageResponse> call = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(count)
                .waitTimeSeconds((int) settings.waitTime().toSeconds())
                .visibilityTimeout(settings.visibilitySeconds())
                .messageSystemAttributeNames(SYSTEM_ATTRIBUTES)
                .messageAttributeNames("All")
                .receiveRequestAttemptId(UUID.randomUUID().toString())
                .overrideConfiguration(o -> o.apiCallTimeout(settings.waitTime().plus(settings.apiTimeout()))));
        receiving = call;
        if (stopping.getCount() == 0 && isLongPoll()) {
            call.cancel(true);
        }
        try {
            ReceiveMessageResponse response = call.get();
            transport.noteSuccess();
            if (failing != null) {
                log.info("Consumer of {} receives again from {}", spec, settings.address());
                failing = null;
            }
            return response;
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            if (stopping.getCount() == 0) {
                return null;
            }
            transport.noteFailure(e.getCause());
            String why = "could not receive from " + settings.address() + ": "
                    + settings.scrub(AwsTransport.reason(e.getCause()));
            if (failing == null) {
                log.warn("Consumer of {}: {}; trying again", spec, why);
            }
            failing = why;
            stopping.await(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        }
    }

    /**
     * The envelope of a message received from {@code source}'s queue with the system attributes
     * {@link #SYSTEM_ATTRIBUTES} and every message attribute.
     */
    static Envelope toEnvelope(Destination source, Message message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, MessageAttributeValue> attribute : message.messageAttributes().entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            attributes.put(attribute.getKey(), value.stringValue() != null ? value.stringValue()
                    : value.binaryValue() != null ? Base64.getEncoder().encodeToString(value.binaryValue().asByteArray()) : "");
        }
        Map<MessageSystemAttributeName, String> system = message.attributes();
        return AwsMessages.toEnvelope(source, message.body() == null ? "" : message.body(), attributes,
                message.messageId(), system.get(MessageSystemAttributeName.SENT_TIMESTAMP),
                system.get(MessageSystemAttributeName.MESSAGE_GROUP_ID));
    }

    private void hand(Message message) {
        Envelope envelope = toEnvelope(spec.source(), message);
        Map<MessageSystemAttributeName, String> system = message.attributes();
        int count;
        try {
            count = Math.max(1, Integer.parseInt(system.getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
        } catch (NumberFormatException e) {
            count = 1;
        }
        AwsDelivery delivery = new AwsDelivery(envelope, count, message.receiptHandle());
        unsettled.add(delivery);
        if (stopping.getCount() == 0) {
            delivery.reject();
        } else {
            sink.deliver(delivery);
        }
    }

    @Override
    public void stopFetching() {
        stopping.countDown();
        synchronized (settledSignal) {
            settledSignal.notifyAll();
        }
        CompletableFuture<ReceiveMessageResponse> call = receiving;
        if (call != null && isLongPoll()) {
            call.cancel(true);
        }
    }

    /**
     * Whether receives wait for messages. Only a long poll is cancelled at stop, to close at once: a
     * cancelled receive that SQS had already answered leaves its messages invisible until their
     * visibility timeout, so a short poll is let finish and what it got is given back at once.
     */
    private boolean isLongPoll() {
        return settings.waitTime().compareTo(Duration.ZERO) > 0;
    }

    @Override
    public ConnectionState state() {
        if (closed) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        String why = failing;
        return why == null ? ConnectionState.UP : new ConnectionState(HealthStatus.RECONNECTING, why);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopFetching();
        try {
            gone.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.debug("Consumer of {} still receiving at close", spec);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<CompletableFuture<Void>> givenBack = unsettled.stream().map(AwsDelivery::giveBack).toList();
        try {
            CompletableFuture.allOf(givenBack.toArray(CompletableFuture[]::new))
                    .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.debug("Consumer of {} could not give back every unsettled message: {}", spec, settings.scrub(e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "AwsConsumer[" + spec + "]";
    }

    /** A received SQS message, settled through its receipt handle. */
    private final class AwsDelivery extends SettleOnceDelivery {

        private final String receiptHandle;
        private final CompletableFuture<Void> settled = new CompletableFuture<>();

        AwsDelivery(Envelope envelope, int deliveryCount, String receiptHandle) {
            super(envelope, deliveryCount);
            this.receiptHandle = receiptHandle;
        }

        /** Ack deletes the message; reject makes it visible again at once. */
        @Override
        protected void settle(boolean ack) {
            unsettled.remove(this);
            credits.release();
            CompletableFuture<Void> call;
            synchronized (this) {
                call = ack ? transport.delete(queueUrl, receiptHandle) : transport.changeVisibility(queueUrl, receiptHandle, 0);
            }
            call.whenComplete((done, failure) -> {
                if (failure != null) {
                    log.warn("Could not {} message {} of {} at {} (it comes back after its visibility timeout): {}",
                            ack ? "delete" : "give back", envelope().id(), spec, settings.address(),
                            settings.scrub(AwsTransport.reason(failure)));
                }
                settled.complete(null);
                noteSettled();
            });
        }

        /**
         * Keeps the message invisible for another visibility timeout. Asked for under the same lock
         * as the settle call, so an extension never follows a give-back (the transport applies one
         * message's visibility changes in the order asked for).
         */
        @Override
        public void inProgress() {
            CompletableFuture<Void> extended;
            synchronized (this) {
                if (isSettled()) {
                    return;
                }
                extended = transport.changeVisibility(queueUrl, receiptHandle, settings.visibilitySeconds());
            }
            extended.whenComplete((done, failure) -> {
                if (failure != null) {
                    log.debug("Could not extend the visibility of message {} of {}: {}", envelope().id(), spec,
                            settings.scrub(AwsTransport.reason(failure)));
                }
            });
        }

        CompletableFuture<Void> giveBack() {
            reject();
            return settled;
        }
    }
}

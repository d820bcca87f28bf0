package dev.courier.benchmarks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * The raw AWS SDK v2 asynchronous clients (SNS and SQS on Netty) doing what Courier's {@code aws://}
 * transport does on the same path, with the same guarantees, so that the ratio is what Courier adds
 * on the client side:
 *
 * <ul>
 *   <li><b>Layout:</b> a FIFO SNS topic {@code <topic>.fifo} and a FIFO SQS queue
 *   {@code <topic>_<group>.fifo} in high-throughput mode ({@code DeduplicationScope=messageGroup},
 *   {@code FifoThroughputLimit=perMessageGroupId}), subscribed with raw message delivery, its
 *   policy letting the topic send to it. That is Courier's mapping of a topic and group: Courier's
 *   topics are FIFO also for unkeyed messages (its contract keeps one key's messages in order, which
 *   standard queues do not), so the raw side uses FIFO too.</li>
 *   <li><b>Publish:</b> {@code PublishBatch} of at most 10 entries and 256 KiB. Each message is its
 *   own message group (as Courier's unkeyed messages, whose group id is the message id: no order,
 *   full parallelism) and goes into one of 32 send lanes by its group id, each lane with one call at
 *   a time; nothing waits for a batch to fill: a message goes at once while its lane is idle, and what
 *   arrives meanwhile goes together when the call ends (the rule of transport-aws's
 *   {@code AwsBatcher}). The deduplication id is the SHA-256 of the message (group id and body), so
 *   a publish the SDK retries is stored once, as Courier's is. A publish completes when SNS has
 *   answered for its entry (refused entries fail it). The body is the payload's base64 for bytes
 *   (SNS and SQS carry text only; Courier does the same for payloads that are not text SQS takes, as
 *   these are not) and the JSON text as it is.</li>
 *   <li><b>Consume:</b> one thread short-polls {@code ReceiveMessage} (wait 0 s, as the Courier
 *   contender's {@code waitTime=0s}; at most 10 messages and never more than {@code prefetch}
 *   unsettled; visibility timeout 30 s; a receive attempt id so an SDK retry gets the same
 *   messages), hands each message on that thread, then deletes it with {@code DeleteMessageBatch}
 *   (at most 2 calls per queue at once, batched as above): at-least-once, like Courier's ack after
 *   its handler. After an empty receive it pauses up to 100 ms, less when a delete ends meanwhile
 *   (it may have freed a message group), as Courier's consumer does.</li>
 *   <li><b>Clients:</b> as Courier's: Netty with at most 256 connections, standard retry mode, 30 s
 *   per API call, the SDK's default credentials chain.</li>
 * </ul>
 *
 * <p>What the raw side does not do: ask for message attributes and system attributes on receive
 * (it sends none, except with {@code --raw-envelope}), extend visibility while a handler runs
 * (handling here takes microseconds, far below the 30 s).
 */
final class RawAwsContender implements Contender {

    private static final Logger log = LoggerFactory.getLogger(RawAwsContender.class);
    /** The region of the emulator's ARNs; any region works against moto. */
    static final String REGION = "us-east-1";
    private static final int MAX_ENTRIES = 10;
    private static final long MAX_BATCH_BYTES = 256 * 1024;
    private static final int SEND_LANES = 32;
    private static final int DELETE_CALLS = 2;
    private static final int VISIBILITY_SECONDS = 30;
    private static final long SHORT_POLL_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Duration API_TIMEOUT = Duration.ofSeconds(30);

    /** One message waiting for its {@code PublishBatch}. */
    private record Outgoing(String body, String groupId, Map<String, String> attributes) {
    }

    /** The SDK clients on one Netty client, as Courier's transport builds them. */
    record Clients(SdkAsyncHttpClient http, SnsAsyncClient sns, SqsAsyncClient sqs) implements AutoCloseable {

        static Clients connect(String endpoint) {
            SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder().maxConcurrency(256)
                    .connectionTimeout(Duration.ofSeconds(5)).readTimeout(API_TIMEOUT).build();
            ClientOverrideConfiguration override = ClientOverrideConfiguration.builder().apiCallTimeout(API_TIMEOUT)
                    .retryStrategy(RetryMode.STANDARD).build();
            DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
            SnsAsyncClient sns = SnsAsyncClient.builder().region(Region.of(REGION)).credentialsProvider(credentials)
                    .httpClient(http).overrideConfiguration(override).endpointOverride(URI.create(endpoint)).build();
            SqsAsyncClient sqs = SqsAsyncClient.builder().region(Region.of(REGION)).credentialsProvider(credentials)
                    .httpClient(http).overrideConfiguration(override).endpointOverride(URI.create(endpoint)).build();
            return new Clients(http, sns, sqs);
        }

        @Override
        public void close() {
            sns.close();
            sqs.close();
            http.close();
        }
    }

    private final String endpoint;
    private final String topicName;
    private final String queueName;
    private final int prefetch;
    private final PayloadFormat format;
    private final EnvelopeHeaders envelope;
    private final String idPrefix;
    private final Semaphore credits;
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private final Object settledSignal = new Object();
    private long settles;
    private long sequence;
    private volatile boolean running = true;
    private Clients clients;
    private String topicArn;
    private String queueUrl;
    private String subscriptionArn;
    private Batches<Outgoing> publishes;
    private Batches<String> deletes;
    private Thread poller;

    /** @param envelope attributes to send with every message (the {@code --raw-envelope} diagnostic) */
    RawAwsContender(String endpoint, String topic, String group, int prefetch, PayloadFormat format, boolean envelope) {
        this.endpoint = endpoint;
        this.topicName = topic + ".fifo";
        this.queueName = topic + "_" + group + ".fifo";
        this.prefetch = prefetch;
        this.format = format;
        this.envelope = envelope ? EnvelopeHeaders.aws(topic) : null;
        this.idPrefix = topic + "-";
        this.credits = new Semaphore(prefetch);
    }

    @Override
    public void start(Receiver receiver) throws Exception {
        clients = Clients.connect(endpoint);
        topicArn = clients.sns().createTopic(r -> r.name(topicName)
                .attributes(Map.of("FifoTopic", "true", "ContentBasedDeduplication", "false"))).get(30, TimeUnit.SECONDS).topicArn();
        queueUrl = clients.sqs().createQueue(r -> r.queueName(queueName).attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true", QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false",
                QueueAttributeName.DEDUPLICATION_SCOPE, "messageGroup",
                QueueAttributeName.FIFO_THROUGHPUT_LIMIT, "perMessageGroupId"))).get(30, TimeUnit.SECONDS).queueUrl();
        String queueArn = clients.sqs().getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .get(30, TimeUnit.SECONDS).attributes().get(QueueAttributeName.QUEUE_ARN);
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                + "\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"" + queueArn + "\",\"Condition\":"
                + "{\"ArnEquals\":{\"aws:SourceArn\":\"" + topicArn + "\"}}}]}";
        clients.sqs().setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, policy)))
                .get(30, TimeUnit.SECONDS);
        subscriptionArn = clients.sns().subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)
                .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)).get(30, TimeUnit.SECONDS)
                .subscriptionArn();
        publishes = new Batches<>(1, this::publishBatch);
        deletes = new Batches<>(DELETE_CALLS, this::deleteBatch);
        poller = new Thread(() -> poll(receiver), "raw-aws-receive");
        poller.start();
    }

    @Override
    public void publish(long sentAt, Confirm confirm) {
        byte[] payload = format.encode(sentAt);
        String body = format instanceof PayloadFormat.Bytes ? Base64.getEncoder().encodeToString(payload)
                : new String(payload, StandardCharsets.UTF_8);
        String groupId = envelope != null ? envelope.nextId() : idPrefix + sequence++;
        Map<String, String> attributes = envelope != null ? envelope.headers(groupId) : Map.of();
        long bytes = body.length();
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            bytes += attribute.getKey().length() + "String".length() + attribute.getValue().length();
        }
        String lane = topicArn + " " + Math.floorMod(groupId.hashCode(), SEND_LANES);
        publishes.add(lane, new Outgoing(body, groupId, attributes), bytes).whenComplete((done, failure) -> confirm.completed(failure));
    }

    private void publishBatch(String lane, List<Batches.Entry<Outgoing>> batch) {
        List<PublishBatchRequestEntry> entries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Outgoing message = batch.get(i).item();
            Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> attributes = new HashMap<>();
            message.attributes().forEach((name, value) -> attributes.put(name,
                    software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder().dataType("String")
                            .stringValue(value).build()));
            entries.add(PublishBatchRequestEntry.builder().id(Integer.toString(i)).message(message.body())
                    .messageAttributes(attributes).messageGroupId(message.groupId())
                    .messageDeduplicationId(sha256(message.groupId(), message.body())).build());
        }
        CompletableFuture<Map<String, String>> call = clients.sns()
                .publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(entries))
                .thenApply(response -> {
                    Map<String, String> failed = new HashMap<>();
                    response.failed().forEach(f -> failed.put(f.id(), f.code() + ": " + f.message()));
                    return failed;
                });
        complete(call, lane, batch, publishes);
    }

    private void deleteBatch(String queue, List<Batches.Entry<String>> batch) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(batch.get(i).item()).build());
        }
        complete(clients.sqs().deleteMessageBatch(r -> r.queueUrl(queue).entries(entries))
                .thenApply(response -> failures(response.failed())), queue, batch, deletes);
    }

    private static Map<String, String> failures(List<BatchResultErrorEntry> refused) {
        Map<String, String> failed = new HashMap<>();
        refused.forEach(f -> failed.put(f.id(), f.code() + ": " + f.message()));
        return failed;
    }

    /** Completes each entry from its batch call's outcome (entry id to reason for the refused), then frees the target. */
    private <T> void complete(CompletableFuture<Map<String, String>> call, String target, List<Batches.Entry<T>> batch,
                              Batches<T> batches) {
        pending.add(call);
        call.whenComplete((failed, failure) -> {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    String why = failed == null ? null : failed.get(Integer.toString(i));
                    if (failure != null) {
                        batch.get(i).done().completeExceptionally(failure);
                    } else if (why != null) {
                        batch.get(i).done().completeExceptionally(new IllegalStateException("refused: " + why));
                    } else {
                        batch.get(i).done().complete(null);
                    }
                }
            } finally {
                pending.remove(call);
                batches.finished(target);
            }
        });
    }

    private void poll(Receiver receiver) {
        try {
            while (running) {
                int wanted = takeCredits();
                if (wanted == 0) {
                    return;
                }
                long settledBefore = settled();
                ReceiveMessageResponse response;
                try {
                    response = clients.sqs().receiveMessage(r -> {
                        r.queueUrl(queueUrl).maxNumberOfMessages(wanted).waitTimeSeconds(0).visibilityTimeout(VISIBILITY_SECONDS)
                                .receiveRequestAttemptId(UUID.randomUUID().toString());
                        if (envelope != null) {
                            r.messageAttributeNames("All");
                        }
                    }).get();
                } catch (ExecutionException e) {
                    credits.release(wanted);
                    if (running) {
                        log.warn("Raw SQS receive from {} failed; trying again in 1 s", queueName, e.getCause());
                        TimeUnit.SECONDS.sleep(1); // a back-off after a failed call, not a synchronisation
                    }
                    continue;
                }
                List<Message> messages = response.messages();
                credits.release(wanted - messages.size());
                if (messages.isEmpty()) {
                    pauseUntilSettled(settledBefore);
                }
                for (Message message : messages) {
                    receiver.received(sentAt(message.body()));
                    credits.release();
                    deletes.add(queueUrl, message.receiptHandle(), message.receiptHandle().length())
                            .whenComplete((done, failure) -> {
                                if (failure != null) {
                                    log.warn("Raw SQS delete on {} failed (the message comes back)", queueName, failure);
                                }
                                noteSettled();
                            });
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long sentAt(String body) {
        return format.sentAt(format instanceof PayloadFormat.Bytes ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits for at least one credit and takes up to 10; 0 once stopping. */
    private int takeCredits() throws InterruptedException {
        while (!credits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            if (!running) {
                return 0;
            }
        }
        int taken = 1;
        while (taken < MAX_ENTRIES && credits.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    private long settled() {
        synchronized (settledSignal) {
            return settles;
        }
    }

    private void noteSettled() {
        synchronized (settledSignal) {
            settles++;
            settledSignal.notifyAll();
        }
    }

    private void pauseUntilSettled(long settledBefore) throws InterruptedException {
        long deadline = System.nanoTime() + SHORT_POLL_PAUSE_NANOS;
        synchronized (settledSignal) {
            long left;
            while (settles == settledBefore && running && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(settledSignal, left);
            }
        }
    }

    private static String sha256(String groupId, String body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(groupId.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(body.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (settledSignal) {
            settledSignal.notifyAll();
        }
        try {
            if (poller != null) {
                poller.join(TimeUnit.SECONDS.toMillis(20));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("Closing the raw AWS contender with calls unfinished", e);
        }
        if (clients != null) {
            try {
                if (subscriptionArn != null) {
                    clients.sns().unsubscribe(r -> r.subscriptionArn(subscriptionArn)).get(10, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                log.debug("Could not unsubscribe {}", queueName, e);
            }
            deleteQuietly(clients, topicName, queueName);
            clients.close();
        }
    }

    /** Deletes Courier's topic {@code <topic>.fifo} and its group's queue {@code <topic>_<group>.fifo}, best effort. */
    static void deleteCourierTopology(String endpoint, String topic, String group) {
        try (Clients cleanup = Clients.connect(endpoint)) {
            deleteQuietly(cleanup, topic + ".fifo", topic + "_" + group + ".fifo");
        } catch (RuntimeException e) {
            log.debug("Could not clean up {} at {}", topic, endpoint, e);
        }
    }

    /** Deletes a FIFO topic (and with it its subscriptions) and a queue, best effort. */
    private static void deleteQuietly(Clients clients, String topicName, String queueName) {
        try {
            String queue = clients.sqs().getQueueUrl(r -> r.queueName(queueName)).get(10, TimeUnit.SECONDS).queueUrl();
            clients.sqs().deleteQueue(r -> r.queueUrl(queue)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Could not delete queue {}", queueName, e);
        }
        try {
            // idempotent: answers the existing topic's ARN
            String arn = clients.sns().createTopic(r -> r.name(topicName).attributes(Map.of("FifoTopic", "true",
                    "ContentBasedDeduplication", "false"))).get(10, TimeUnit.SECONDS).topicArn();
            clients.sns().deleteTopic(r -> r.topicArn(arn)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Could not delete topic {}", topicName, e);
        }
    }

    /**
     * The batching of transport-aws's {@code AwsBatcher} (package-private there), as a raw SDK user
     * would write it: requests to one target go in calls of at most 10 entries and 256 KiB; a request
     * goes at once while fewer than {@code maxCalls} calls to its target run, and what arrives
     * meanwhile goes together when one ends. Thread safe.
     */
    private static final class Batches<T> {

        record Entry<T>(T item, long bytes, CompletableFuture<Void> done) {
        }

        private static final class Lane<T> {
            final Queue<Entry<T>> waiting = new ConcurrentLinkedQueue<>();
            int running;
        }

        private final int maxCalls;
        private final BiConsumer<String, List<Entry<T>>> call;
        private final Map<String, Lane<T>> lanes = new ConcurrentHashMap<>();

        /** @param call sends one batch; completes every entry and calls {@link #finished} once the call has ended */
        Batches(int maxCalls, BiConsumer<String, List<Entry<T>>> call) {
            this.maxCalls = maxCalls;
            this.call = call;
        }

        CompletableFuture<Void> add(String target, T item, long bytes) {
            Entry<T> entry = new Entry<>(item, bytes, new CompletableFuture<>());
            Lane<T> lane = lanes.computeIfAbsent(target, t -> new Lane<>());
            lane.waiting.add(entry);
            drain(target, lane);
            return entry.done();
        }

        void finished(String target) {
            Lane<T> lane = lanes.get(target);
            synchronized (lane) {
                lane.running--;
            }
            drain(target, lane);
        }

        private void drain(String target, Lane<T> lane) {
            while (true) {
                List<Entry<T>> batch;
                synchronized (lane) {
                    if (lane.running >= maxCalls || lane.waiting.isEmpty()) {
                        return;
                    }
                    batch = new ArrayList<>(MAX_ENTRIES);
                    long bytes = 0;
                    Entry<T> next;
                    while (batch.size() < MAX_ENTRIES && (next = lane.waiting.peek()) != null
                            && (batch.isEmpty() || bytes + next.bytes() <= MAX_BATCH_BYTES)) {
                        batch.add(lane.waiting.poll());
                        bytes += next.bytes();
                    }
                    lane.running++;
                }
                try {
                    call.accept(target, batch);
                } catch (RuntimeException e) {
                    batch.forEach(entry -> entry.done().completeExceptionally(e));
                    finished(target);
                    return;
                }
            }
        }
    }
}

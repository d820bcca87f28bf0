package dev.courier.benchmarks;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.ConsumeOptions;
import java.time.Duration;

/**
 * The raw jnats client with Courier's guarantees and mapping: a file-backed stream with interest
 * retention on the topic's subject, {@code publishAsync} with a message id (so a retried publish is
 * de-duplicated, as Courier's is) completing on the PubAck, and a durable pull consumer with
 * explicit acks, consumed with the simplified API ({@code consume}, batches of {@code prefetch}).
 */
final class RawNatsContender implements Contender {

    private final String url;
    private final String stream;
    private final String subject;
    private final String durable;
    private final int prefetch;
    private final String idPrefix;
    private Connection connection;
    private JetStream jetStream;
    private MessageConsumer consuming;
    private long sequence;
    private final EnvelopeHeaders envelope;
    private final PayloadFormat format;

    /** @param envelope headers to send with every message (the {@code --raw-envelope} diagnostic) */
    RawNatsContender(String url, String topic, String group, int prefetch, PayloadFormat format, boolean envelope) {
        this.format = format;
        this.envelope = envelope ? EnvelopeHeaders.nats(topic) : null;
        this.url = url;
        this.stream = "bench-raw-" + topic.replace('.', '_');
        this.subject = "bench.raw." + topic;
        this.durable = group;
        this.prefetch = prefetch;
        this.idPrefix = topic + "-";
    }

    static Connection connect(String url) throws Exception {
        return Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5)).build());
    }

    @Override
    public void start(Receiver receiver) throws Exception {
        connection = connect(url);
        JetStreamManagement management = connection.jetStreamManagement();
        management.addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                .retentionPolicy(RetentionPolicy.Interest).storageType(StorageType.File).replicas(1).build());
        management.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(durable)
                .ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.New).maxAckPending(prefetch).build());
        jetStream = connection.jetStream();
        ConsumerContext context = connection.getStreamContext(stream).getConsumerContext(durable);
        consuming = context.consume(ConsumeOptions.builder().batchSize(prefetch).build(), message -> {
            receiver.received(format.sentAt(message.getData()));
            message.ack();
        });
    }

    @Override
    public void publish(long sentAt, Confirm confirm) {
        byte[] payload = format.encode(sentAt);
        if (envelope == null) {
            PublishOptions options = PublishOptions.builder().messageId(idPrefix + sequence++).expectedStream(stream).build();
            jetStream.publishAsync(subject, payload, options).whenComplete((ack, failure) -> confirm.completed(failure));
            return;
        }
        String id = envelope.nextId();
        io.nats.client.impl.Headers headers = new io.nats.client.impl.Headers();
        envelope.headers(id).forEach(headers::put);
        PublishOptions options = PublishOptions.builder().messageId(id).expectedStream(stream).build();
        jetStream.publishAsync(subject, headers, payload, options).whenComplete((ack, failure) -> confirm.completed(failure));
    }

    @Override
    public void close() {
        if (consuming != null) {
            consuming.stop();
        }
        closeQuietly(connection);
        deleteStreams(url, stream);
    }

    /** Deletes streams over a connection of its own (after the consumer's is closed, so no pull sees it go). */
    static void deleteStreams(String url, String... streams) {
        Connection cleanup = null;
        try {
            cleanup = connect(url);
            JetStreamManagement management = cleanup.jetStreamManagement();
            for (String name : streams) {
                try {
                    management.deleteStream(name);
                } catch (Exception e) {
                    // best effort: it may not exist
                }
            }
        } catch (Exception e) {
            // best effort
        } finally {
            closeQuietly(cleanup);
        }
    }

    static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

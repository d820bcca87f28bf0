package dev.courier.api;

import dev.courier.internal.BatchingHandler;
import dev.courier.internal.RealMessageBus;
import dev.courier.internal.TypeRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The entry point: publish and subscribe to topics, submit and work on queues, on the broker a
 * URL names.
 *
 * <pre>{@code
 * try (MessageBus bus = MessageBus.connect(System.getenv().getOrDefault("COURIER_URL", "memory://"))) {
 *     // publish/subscribe: every group gets every event; members of a group share them
 *     bus.subscribe("user.created", "email", UserCreated.class, msg -> mailer.welcome(msg.payload()));
 *     bus.subscribe("user.created", "analytics", UserCreated.class, msg -> stats.count(msg.payload()));
 *     bus.publish("user.created", new UserCreated("42", "ada@example.com")).toCompletableFuture().join();
 *
 *     // work queue: each job to exactly one worker, retried, then dead-lettered
 *     WorkQueue<Thumbnail> thumbs = bus.workQueue("thumbnails", Thumbnail.class);
 *     thumbs.work(job -> render(job.payload()), ConsumerOptions.concurrency(4));
 *     thumbs.submit(new Thumbnail("img-1.png", 128));
 * }
 * }</pre>
 *
 * <p>URLs: {@code memory://} (in-process, for tests and examples), {@code kafka://host:9092},
 * {@code amqp://user:pass@host:5672/vhost}, {@code nats://host:4222}. The transport for a scheme
 * is found on the classpath; add its module as a dependency.
 *
 * <p>Delivery is at-least-once. Names (topics, groups, queues) use {@code [A-Za-z0-9._-]}; topics
 * and queues up to 120 characters, groups up to 100. Payloads of type {@code byte[]} and
 * {@code String} travel as they are, others through the bus's {@link Codec} (JSON by default).
 *
 * <p>Thread safety: a bus is thread safe and meant to be shared by the whole application. Invalid
 * arguments fail at once ({@link NullPointerException}, {@link IllegalArgumentException}), before
 * any I/O; broker failures complete the returned stages exceptionally.
 */
public interface MessageBus extends AutoCloseable {

    /** Connects with default options. See {@link #connect(String, BusOptions)}. */
    static MessageBus connect(String url) {
        return connect(url, BusOptions.defaults());
    }

    /**
     * Connects to the broker {@code url} names.
     *
     * @throws IllegalArgumentException when the URL is malformed (naming the bad part) or no
     *                                  transport on the classpath handles its scheme (listing those that do)
     * @throws ConnectionException      when the broker cannot be reached within the transport's timeout
     */
    static MessageBus connect(String url, BusOptions options) {
        return RealMessageBus.connect(url, options);
    }

    /** Publishes {@code payload} to {@code topic} with no key and no headers. */
    CompletionStage<PublishReceipt> publish(String topic, Object payload);

    /**
     * Publishes a message. The stage completes once the broker durably accepted it, or
     * exceptionally with {@link PublishException} (encoding failed, the broker refused, or no
     * confirmation within {@link BusOptions#publishTimeout()}).
     *
     * <p>Never blocks on broker I/O: the first publish to a destination declares it in the
     * background (shared by concurrent publishes, tried again on the next publish after a
     * failure), and a broker that is down fails the stage, not the call.
     *
     * <p>A stage that failed after the timeout has an <em>unknown outcome</em>: the broker may
     * have stored the message. Publishing it again is safe for consumers (they are
     * at-least-once); each transport's README says whether the broker drops the repeat.
     *
     * <p>The stage may complete on the broker client's I/O thread (Kafka's producer thread,
     * RabbitMQ's confirm listener) or on a {@code courier-declare} thread: keep dependent actions
     * short, or chain blocking work with the {@code ...Async} methods, or the client stalls until
     * the work is done.
     *
     * <p>The message's event type, {@link OutgoingMessage#type()} or else its payload class's
     * (see {@link EventType}), travels as the CloudEvents {@code type} attribute and reaches
     * consumers as {@link Message#type()}.
     *
     * <p>A message with a due time ({@link OutgoingMessage#withDeliverAt}, {@link OutgoingMessage#withDelay})
     * is held by the broker, durably, until then; the stage completes once the broker holds it.
     *
     * @throws IllegalStateException when the bus is closed
     * @throws IllegalArgumentException when a header name is invalid or reserved, the event
     *                                  type (given or from {@link EventType}) is invalid, or the due
     *                                  time is further ahead than the transport reaches
     * @throws UnsupportedOperationException when the message has a due time and the transport has no
     *                                  delayed delivery
     */
    CompletionStage<PublishReceipt> publish(OutgoingMessage message);

    /**
     * Publishes several messages at once, letting the transport use the broker's batching (one
     * flush, one round of confirmations). Returns one stage per message, in the order given; each
     * completes exactly as {@link #publish(OutgoingMessage)}'s would, so one refused message fails
     * only its own stage. Messages with the same key keep their order.
     *
     * @throws IllegalStateException when the bus is closed
     * @throws IllegalArgumentException as {@link #publish(OutgoingMessage)} does, for any message,
     *                                  before any of them is sent
     */
    default List<CompletionStage<PublishReceipt>> publishAll(List<OutgoingMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        List<CompletionStage<PublishReceipt>> stages = new ArrayList<>(messages.size());
        for (OutgoingMessage message : messages) {
            stages.add(publish(message));
        }
        return stages;
    }

    /** Subscribes with {@link ConsumerOptions#defaults()}. */
    <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler);

    /**
     * Joins {@code group} on {@code topic}. Every group receives every message; members of one group
     * (in this or other processes) share them. Returns once the group exists on the broker: every
     * message published afterwards reaches it, also while no member is running.
     *
     * @param type the payload type: {@code byte[]}, {@code String}, or a type Jackson can read,
     *             decoded strictly (see {@link ConsumerOptions#withLenientDecoding()})
     */
    <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler,
                               ConsumerOptions options);

    /** Subscribes a batch handler with {@link ConsumerOptions#defaults()} (grown to {@code batch.maxMessages()} workers). */
    default <T> Subscription subscribeBatch(String topic, String group, Class<T> type, BatchOptions batch,
                                            BatchHandler<T> handler) {
        return subscribeBatch(topic, group, type, batch, handler, ConsumerOptions.defaults());
    }

    /**
     * Joins {@code group} on {@code topic} like {@link #subscribe(String, String, Class, MessageHandler, ConsumerOptions)},
     * handing messages to {@code handler} in batches of up to {@code batch.maxMessages()}, or what
     * arrived within {@code batch.maxWait()}, with an outcome per message (see {@link BatchHandler}).
     * The subscription runs at least {@code batch.maxMessages()} workers: {@code options}'
     * concurrency grows to it when lower.
     */
    default <T> Subscription subscribeBatch(String topic, String group, Class<T> type, BatchOptions batch,
                                            BatchHandler<T> handler, ConsumerOptions options) {
        return subscribe(topic, group, type, BatchingHandler.of(handler, batch), BatchingHandler.workersFor(batch, options));
    }

    /** Subscribes with one handler per event type and {@link ConsumerOptions#defaults()}. */
    default Subscription subscribe(String topic, String group, TypeRoutes routes) {
        return subscribe(topic, group, routes, ConsumerOptions.defaults());
    }

    /**
     * Joins {@code group} on {@code topic} like {@link #subscribe(String, String, Class, MessageHandler, ConsumerOptions)},
     * handling each message with the route of its {@linkplain Message#type() event type}, its
     * payload decoded into that route's class. A message of another type (or of none) is
     * dead-lettered or acknowledged, as {@link TypeRoutes#unrouted()} says. The routes share
     * the subscription's retry policy, dead-letter queue, concurrency and per-key order.
     *
     * @throws IllegalArgumentException when there is no route, two routes have one type, or a
     *                                  route's class has no event type and the route names none
     */
    default Subscription subscribe(String topic, String group, TypeRoutes routes, ConsumerOptions options) {
        return subscribe(topic, group, byte[].class, TypeRouter.of(routes, !options.lenientDecoding()), options);
    }

    /** The work queue {@code name}, declared on the broker before this returns. */
    <T> WorkQueue<T> workQueue(String name, Class<T> type);

    /**
     * A new work queue that lives as long as this bus, for example a per-process reply inbox: its
     * name is generated ({@code tmp.<16 hex digits of this bus>.<n>}), unique to this bus and
     * different from any other bus's, declared on the broker before this returns, and the queue
     * (its messages and its dead-letter queue with it) is deleted from the broker when this bus
     * closes. It is for this bus's own producers and workers: opening it by name on another bus
     * with {@link #workQueue} is not supported (brokers keep durable and temporary queues apart).
     * Every transport Courier ships offers it; a transport that does not
     * throws {@link UnsupportedOperationException}.
     *
     * @throws UnsupportedOperationException when the transport has no ephemeral destinations
     * @throws IllegalStateException         when this bus is closed
     */
    default <T> WorkQueue<T> temporaryQueue(Class<T> type) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no temporary queues");
    }

    /** Sends a request with no key and no headers; see {@link #request(OutgoingMessage, Class, Duration)}. */
    default <R> CompletionStage<Message<R>> request(String topic, Object payload, Class<R> replyType, Duration timeout) {
        return request(OutgoingMessage.of(topic, payload), replyType, timeout);
    }

    /**
     * Sends {@code request} to its topic and waits for one reply from a {@linkplain #respond responder}.
     * The request is an ordinary durable message (every group on the topic receives it, as an
     * event); it carries a correlation id and this bus's reply address as reserved headers. The
     * reply goes to this bus's reply inbox, opened on the first request and released when the bus
     * closes: the broker's own reply path where the transport has one
     * ({@link dev.courier.spi.Transport#replyPath()}: a NATS inbox subject, an exclusive RabbitMQ
     * queue, a Kafka reply topic shared by all requesters), else a {@linkplain #temporaryQueue
     * temporary queue}. With no responder running the request waits on the broker, in every group
     * that exists, and is answered when one starts.
     *
     * <p>The stage completes with the reply (decoded into {@code replyType}, on one of the bus's
     * reply threads), or fails with {@link RequestTimeoutException} when none arrives
     * within {@code timeout} (a later reply is dropped and reported to
     * {@link BusListener#replyDropped}), {@link RemoteHandlerException} when the responder failed
     * on its last attempt, {@link PublishException} when the request could not be sent, or
     * {@link IllegalStateException} when this bus closes first (at once, on {@link #close()}).
     *
     * @throws UnsupportedOperationException when the transport has neither a reply path nor temporary queues
     * @throws IllegalStateException         when the bus is closed
     * @throws IllegalArgumentException      as {@link #publish(OutgoingMessage)}, or when the timeout is not positive
     */
    default <R> CompletionStage<Message<R>> request(OutgoingMessage request, Class<R> replyType, Duration timeout) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not send requests");
    }

    /** Responds with {@link ConsumerOptions#defaults()}. */
    default <Q, R> Subscription respond(String topic, String group, Class<Q> requestType, Responder<Q, R> responder) {
        return respond(topic, group, requestType, responder, ConsumerOptions.defaults());
    }

    /**
     * Joins {@code group} on {@code topic} like {@link #subscribe(String, String, Class, MessageHandler, ConsumerOptions)}
     * and answers each {@linkplain #request request} with what {@code responder} returns; the
     * request is acknowledged once the reply was sent. Members of the group, in this and other
     * processes, share the requests. A message without a reply address (a plain publish) is handled
     * and its reply discarded. When the responder fails on the last attempt its
     * {@link RetryPolicy} allows, the requester receives a {@link RemoteHandlerException} and the
     * request is acknowledged, not dead-lettered. Replies bypass the publish interceptors; they
     * carry the trace context of the responder's handler.
     */
    default <Q, R> Subscription respond(String topic, String group, Class<Q> requestType, Responder<Q, R> responder,
                                        ConsumerOptions options) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not respond to requests");
    }

    /**
     * The state of the connection and of every open subscription; cheap enough for a readiness
     * probe. Never throws; a closed bus reports {@link HealthStatus#CLOSED}.
     */
    Health health();

    /**
     * Closes every subscription (draining running handlers, see {@link Subscription#close()}),
     * waits for pending publishes, and disconnects. Idempotent.
     */
    @Override
    void close();
}

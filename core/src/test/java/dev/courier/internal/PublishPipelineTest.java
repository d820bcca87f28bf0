package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishException;
import dev.courier.api.PublishInterceptor;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Route;
import dev.courier.api.TraceContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The publish pipeline: stamp, trace, observe, the user's interceptors, send. */
@Timeout(30)
class PublishPipelineTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String url = "memory://publish-pipeline-" + UUID.randomUUID();
    private final List<String> trail = new CopyOnWriteArrayList<>();
    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        buses.forEach(MessageBus::close);
    }

    private MessageBus connect(BusOptions options) {
        MessageBus bus = MessageBus.connect(url, options);
        buses.add(bus);
        return bus;
    }

    private static PublishReceipt get(CompletionStage<PublishReceipt> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private final BusListener recordingListener = new BusListener() {
        @Override
        public void published(Route route, String messageId, Duration elapsed) {
            trail.add("published " + messageId);
        }

        @Override
        public void publishFailed(Route route, String messageId, Throwable error) {
            trail.add("publishFailed " + messageId);
        }
    };

    @Test
    void courier_steps_come_first_then_user_interceptors_as_added() {
        PublishInterceptor first = (m, next) -> next.proceed(m);
        PublishInterceptor second = (m, next) -> next.proceed(m);
        PublishPipeline pipeline = PublishPipeline.of("memory", ListenerFanout.of(List.of(recordingListener)),
                W3cTraceHook.INSTANCE, List.of(first, second), (destination, message, batch) -> null);

        List<PublishInterceptor> steps = pipeline.steps();
        assertEquals(5, steps.size());
        assertInstanceOf(PublishPipeline.Stamp.class, steps.get(0));
        assertInstanceOf(PublishPipeline.Trace.class, steps.get(1));
        assertInstanceOf(PublishPipeline.Observe.class, steps.get(2));
        assertEquals(List.of(first, second), steps.subList(3, 5));
    }

    @Test
    void user_interceptors_run_in_the_order_added_and_see_the_final_id_and_the_trace_headers() throws Exception {
        List<OutgoingMessage> seen = new CopyOnWriteArrayList<>();
        MessageBus bus = connect(BusOptions.defaults()
                .withInterceptor((message, next) -> {
                    trail.add("first");
                    seen.add(message);
                    return next.proceed(message);
                })
                .withInterceptor((message, next) -> {
                    trail.add("second");
                    return next.proceed(message);
                }));
        TraceContext origin = TraceContext.newTrace();

        PublishReceipt receipt;
        try (TraceContext.Scope scope = TraceContext.makeCurrent(origin)) {
            receipt = get(bus.publish("orders", "o-1"));
        }

        assertEquals(List.of("first", "second"), trail);
        assertEquals(receipt.id(), seen.get(0).id(), "stamped before: the final id");
        assertTrue(seen.get(0).headers().get(TraceContext.TRACEPARENT).contains(origin.traceId()), "traced before");
    }

    @Test
    void listeners_observe_outside_the_user_interceptors() throws Exception {
        MessageBus bus = connect(BusOptions.defaults().withListener(recordingListener).withInterceptor((message, next) -> {
            trail.add("interceptor " + message.id());
            return next.proceed(message).thenApply(receipt -> {
                trail.add("confirmed " + receipt.id());
                return receipt;
            });
        }));

        String id = get(bus.publish("orders", "o-1")).id();

        assertEquals(List.of("interceptor " + id, "confirmed " + id, "published " + id), trail);
    }

    @Test
    void a_header_an_interceptor_adds_reaches_the_handler() throws Exception {
        MessageBus bus = connect(BusOptions.defaults()
                .withInterceptor((message, next) -> next.proceed(message.withHeader("tenant", "acme"))));
        List<Message<String>> received = new CopyOnWriteArrayList<>();
        bus.subscribe("orders", "billing", String.class, received::add);

        get(bus.publish("orders", "o-1"));

        await(() -> received.size() == 1, WAIT, "the message");
        assertEquals("acme", received.get(0).headers().get("tenant"));
    }

    @Test
    void an_outbox_interceptor_keeps_the_message_instead_of_sending_it_and_a_relay_sends_it_later() throws Exception {
        List<OutgoingMessage> outbox = new CopyOnWriteArrayList<>();
        MessageBus application = connect(BusOptions.defaults().withInterceptor((message, next) -> {
            outbox.add(message); // in real life: an INSERT in the business transaction
            return CompletableFuture.completedFuture(new PublishReceipt(message.id(), message.topic(), Instant.now()));
        }));
        MessageBus relay = connect(BusOptions.defaults());
        List<Message<String>> received = new CopyOnWriteArrayList<>();
        relay.subscribe("orders", "billing", String.class, received::add);

        PublishReceipt kept = get(application.publish("orders", "o-1"));

        assertEquals(1, outbox.size());
        assertEquals(kept.id(), outbox.get(0).id(), "the kept message carries the id the publisher was given");
        assertTrue(received.isEmpty(), "nothing sent");

        get(relay.publish(outbox.get(0)));

        await(() -> received.size() == 1, WAIT, "the relayed message");
        assertEquals(kept.id(), received.get(0).id());
        assertEquals("o-1", received.get(0).payload());
    }

    @Test
    void what_an_interceptor_throws_fails_the_publish_with_a_publish_exception_seen_by_listeners() {
        MessageBus bus = connect(BusOptions.defaults().withListener(recordingListener).withInterceptor((message, next) -> {
            throw new IllegalStateException("outbox unavailable");
        }));

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> get(bus.publish("orders", "o-1")));

        PublishException cause = assertInstanceOf(PublishException.class, failure.getCause());
        assertInstanceOf(IllegalStateException.class, cause.getCause());
        assertTrue(trail.get(0).startsWith("publishFailed "), trail.toString());
    }

    @Test
    void a_reserved_header_an_interceptor_adds_is_refused() {
        MessageBus bus = connect(BusOptions.defaults()
                .withInterceptor((message, next) -> next.proceed(message.withHeader("courier-attempts", "9"))));

        ExecutionException failure = assertThrows(ExecutionException.class, () -> get(bus.publish("orders", "o-1")));

        assertInstanceOf(PublishException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains("courier-attempts"), failure.getCause().getMessage());
    }

    @Test
    void an_interceptor_may_send_the_message_to_another_topic() throws Exception {
        MessageBus bus = connect(BusOptions.defaults()
                .withInterceptor((message, next) -> next.proceed(message.withTopic("acme." + message.topic()))));
        List<Message<String>> received = new CopyOnWriteArrayList<>();
        bus.subscribe("acme.orders", "billing", String.class, received::add);

        PublishReceipt receipt = get(bus.publish("orders", "o-1"));

        await(() -> received.size() == 1, WAIT, "the message on the other topic");
        assertEquals("acme.orders", receipt.topic());
        assertNotNull(received.get(0).id());
    }
}

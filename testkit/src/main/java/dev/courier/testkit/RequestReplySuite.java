package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RemoteHandlerException;
import dev.courier.api.RequestTimeoutException;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import dev.courier.spi.Destination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link MessageBus#request} and {@link MessageBus#respond} promise on a transport: each
 * reply reaches its own request, responders of a group share requests, timeouts and remote
 * failures reach the requester, a request waits durably for its responder, a closing bus fails its
 * pending requests, late replies are dropped, the trace continues, and what the requester's bus
 * holds on the broker for its replies is gone once the bus closes. A transport module runs it by
 * subclassing, naming its broker and a {@link BrokerProbe}; a transport with its own reply path
 * ({@link dev.courier.spi.ReplyPath}) says how to see its inbox on the broker
 * ({@link #replyInboxExists}).
 */
@Tag("conformance")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class RequestReplySuite {

    private static final String REPLY_TO = "courier-reply-to";
    private static final String CORRELATION_ID = "courier-correlation-id";

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();

    /** The broker's URL. */
    protected abstract String url();

    /** Asks the broker what it holds. */
    protected abstract BrokerProbe probe();

    /** How long to wait for expected replies. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /**
     * True while the broker holds the reply inbox at {@code address} (a request's reply address)
     * for its bus. The default looks for the temporary queue core declares when the transport has
     * no {@link dev.courier.spi.ReplyPath}; a transport with one overrides it to look for what its
     * inbox is on the broker (an exclusive queue, a subscription). A reply path that keeps nothing
     * per bus on the broker (a shared reply topic read by partition assignment) answers whether
     * anything named after this bus's inbox is on the broker, and overrides
     * {@link #replyInboxLeavesNothingPerBus()}.
     */
    protected boolean replyInboxExists(String address) throws Exception {
        return probe().exists(Destination.temporaryQueue(address));
    }

    /**
     * True for a reply path that creates nothing per bus on the broker, so there is nothing to
     * remove on close (the test then checks that nothing was created instead). False by default:
     * the inbox must exist while the bus is open and be gone after.
     */
    protected boolean replyInboxLeavesNothingPerBus() {
        return false;
    }

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    private MessageBus open(BusListener... listeners) {
        beforeEachTest();
        BusOptions options = BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15));
        for (BusListener listener : listeners) {
            options = options.withListener(listener);
        }
        MessageBus bus = MessageBus.connect(url(), options);
        buses.add(bus);
        return bus;
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(MessageBus::close);
        buses.clear();
    }

    private static String unique(String what) {
        return ConformanceSuite.RUN_PREFIX + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(timeout().toSeconds() * 2, TimeUnit.SECONDS);
    }

    private Throwable failureOf(java.util.concurrent.CompletionStage<?> stage) {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> await(stage));
        return failure.getCause();
    }

    @Test
    void a_request_gets_the_responders_reply() throws Exception {
        MessageBus responder = open();
        MessageBus requester = open();
        String topic = unique("price");
        responder.respond(topic, "pricing", String.class, request -> "price of " + request.payload());

        Message<String> reply = await(requester.request(topic, "cart-1", String.class, timeout()));

        assertEquals("price of cart-1", reply.payload());
    }

    @Test
    void a_thousand_concurrent_requests_from_ten_threads_each_get_their_own_reply() throws Exception {
        MessageBus responder = open();
        MessageBus requester = open();
        String topic = unique("echo");
        responder.respond(topic, "echo", String.class, request -> "re:" + request.payload(), ConsumerOptions.concurrency(8));
        ExecutorService threads = Executors.newFixedThreadPool(10);
        try {
            List<Future<List<CompletableFuture<Message<String>>>>> sent = new ArrayList<>();
            for (int t = 0; t < 10; t++) {
                int thread = t;
                sent.add(threads.submit(() -> {
                    List<CompletableFuture<Message<String>>> mine = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        mine.add(requester.request(topic, thread + "-" + i, String.class, timeout().multipliedBy(2))
                                .toCompletableFuture());
                    }
                    return mine;
                }));
            }
            for (int t = 0; t < 10; t++) {
                List<CompletableFuture<Message<String>>> mine = sent.get(t).get(timeout().toSeconds(), TimeUnit.SECONDS);
                for (int i = 0; i < 100; i++) {
                    assertEquals("re:" + t + "-" + i, await(mine.get(i)).payload());
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void two_responders_in_one_group_share_the_requests_and_each_is_answered_once() throws Exception {
        MessageBus requester = open();
        String topic = unique("shared");
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        open().respond(topic, "workers", String.class, request -> {
            handled.computeIfAbsent(request.payload(), p -> new AtomicInteger()).incrementAndGet();
            return "first";
        });
        open().respond(topic, "workers", String.class, request -> {
            handled.computeIfAbsent(request.payload(), p -> new AtomicInteger()).incrementAndGet();
            return "second";
        });

        List<CompletableFuture<Message<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            replies.add(requester.request(OutgoingMessage.of(topic, "r" + i).withKey("k" + i), String.class, timeout())
                    .toCompletableFuture());
        }
        for (CompletableFuture<Message<String>> reply : replies) {
            assertTrue(Set.of("first", "second").contains(await(reply).payload()));
        }

        assertEquals(40, handled.size());
        handled.forEach((request, count) -> assertEquals(1, count.get(), request + " handled by one responder once"));
    }

    @Test
    void a_request_with_no_reply_within_its_timeout_fails_naming_topic_and_timeout() {
        MessageBus requester = open();
        String topic = unique("silent");
        Duration wait = Duration.ofMillis(300);

        Throwable failure = failureOf(requester.request(topic, "anyone?", String.class, wait));

        RequestTimeoutException timedOut = assertInstanceOf(RequestTimeoutException.class, failure);
        assertEquals(topic, timedOut.topic());
        assertEquals(wait, timedOut.timeout());
        assertTrue(timedOut.getMessage().contains(topic) && timedOut.getMessage().contains(wait.toString()),
                timedOut.getMessage());
    }

    @Test
    void a_responder_failing_on_its_last_attempt_fails_the_request_with_its_error_and_is_not_dead_lettered() {
        MessageBus requester = open();
        Recording responderEvents = new Recording();
        MessageBus responder = open(responderEvents);
        String topic = unique("stock");
        AtomicInteger attempts = new AtomicInteger();
        responder.respond(topic, "stock", String.class, request -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("out of stock: " + request.payload());
        }, ConsumerOptions.defaults().withRetry(RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(10))));

        Throwable failure = failureOf(requester.request(topic, "sku-9", String.class, timeout()));

        RemoteHandlerException remote = assertInstanceOf(RemoteHandlerException.class, failure);
        assertEquals(IllegalStateException.class.getName(), remote.remoteClass());
        assertEquals("out of stock: sku-9", remote.remoteMessage());
        assertEquals(topic, remote.topic());
        assertEquals(2, attempts.get(), "the responder's retry policy ran before the error was answered");
        responderEvents.awaitSettled(timeout());
        assertEquals(0, responderEvents.deadLettered.get(), "the answered request was dead-lettered as well");
    }

    @Test
    void a_request_sent_while_no_responder_runs_is_answered_when_one_starts() throws Exception {
        MessageBus requester = open();
        MessageBus responder = open();
        String topic = unique("later");
        // the group exists (it ran before), but no member runs now
        responder.respond(topic, "late", String.class, request -> "early").close();

        var pending = requester.request(topic, "waiting", String.class, timeout());
        assertFalse(pending.toCompletableFuture().isDone());
        responder.respond(topic, "late", String.class, request -> "answered " + request.payload());

        assertEquals("answered waiting", await(pending).payload());
    }

    @Test
    void closing_the_requesters_bus_fails_its_pending_requests_at_once() {
        MessageBus requester = open();
        String topic = unique("abandoned");
        var pending = requester.request(topic, "never answered", String.class, Duration.ofMinutes(5)).toCompletableFuture();

        requester.close();

        assertTrue(pending.isCompletedExceptionally(), "the request still waits after its bus closed");
        Throwable failure = failureOf(pending);
        assertInstanceOf(IllegalStateException.class, failure);
        assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
    }

    @Test
    void a_reply_arriving_after_the_timeout_is_dropped_counted_and_never_given_to_another_request() throws Exception {
        Recording requesterEvents = new Recording();
        MessageBus requester = open(requesterEvents);
        MessageBus responder = open();
        String topic = unique("slow");
        CompletableFuture<Void> firstTimedOut = new CompletableFuture<>();
        Map<String, String> correlationIds = new ConcurrentHashMap<>();
        responder.respond(topic, "slow", String.class, request -> {
            correlationIds.put(request.payload(), request.headers().get(CORRELATION_ID));
            if (request.payload().equals("first")) {
                firstTimedOut.get(timeout().toSeconds(), TimeUnit.SECONDS); // answers only once the requester gave up
            }
            return "reply to " + request.payload();
        });

        var first = requester.request(topic, "first", String.class, Duration.ofMillis(500));
        assertInstanceOf(RequestTimeoutException.class, failureOf(first));
        firstTimedOut.complete(null);
        requesterEvents.awaitDropped(timeout());
        Message<String> second = await(requester.request(topic, "second", String.class, timeout()));

        assertEquals(List.of(correlationIds.get("first")), requesterEvents.dropped);
        assertEquals("reply to second", second.payload());
    }

    @Test
    void the_trace_continues_from_requester_to_responder_to_reply() throws Exception {
        MessageBus responder = open();
        MessageBus requester = open();
        String topic = unique("traced");
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Map<String, String> seen = new ConcurrentHashMap<>();
        responder.respond(topic, "traced", String.class, request -> {
            seen.put("traceparent", request.headers().get("traceparent"));
            return "ok";
        });

        Message<String> reply = await(requester.request(OutgoingMessage.of(topic, "hello")
                .withHeader("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"), String.class, timeout()));

        assertTrue(seen.get("traceparent").contains(traceId), "the responder saw " + seen.get("traceparent"));
        String replyTrace = reply.headers().get("traceparent");
        assertNotNull(replyTrace, "the reply carries no trace context");
        assertTrue(replyTrace.contains(traceId), "the reply continues another trace: " + replyTrace);
    }

    @Test
    void the_reply_inbox_is_gone_from_the_broker_once_the_requesters_bus_closes() throws Exception {
        MessageBus responder = open();
        MessageBus requester = open();
        String topic = unique("inbox");
        Map<String, String> replyTo = new ConcurrentHashMap<>();
        responder.respond(topic, "inbox", String.class, request -> {
            replyTo.put("name", request.headers().get(REPLY_TO));
            return "ok";
        });
        await(requester.request(topic, "where do I answer?", String.class, timeout()));
        String address = replyTo.get("name");
        if (replyInboxLeavesNothingPerBus()) {
            assertFalse(replyInboxExists(address), "the bus created something on the broker for its inbox " + address);
        } else {
            assertTrue(replyInboxExists(address), "the reply inbox " + address + " exists while its bus is open");
        }

        requester.close();

        assertFalse(replyInboxExists(address), "the reply inbox " + address + " is still on the broker after its bus closed");
    }

    @Test
    void a_message_without_a_reply_address_is_handled_by_the_responder_and_acknowledged() throws Exception {
        Recording responderEvents = new Recording();
        MessageBus responder = open(responderEvents);
        MessageBus publisher = open();
        String topic = unique("plain");
        List<String> seen = new CopyOnWriteArrayList<>();
        responder.respond(topic, "pricing", String.class, request -> {
            seen.add(request.payload());
            return "nobody asked";
        });

        await(publisher.publish(topic, "an event from a producer that expects no answer"));

        responderEvents.awaitSettled(timeout());
        assertEquals(List.of("an event from a producer that expects no answer"), seen);
        assertEquals(0, responderEvents.deadLettered.get(), "a message with no one to answer was dead-lettered");
    }

    /** What a bus's listener saw: dropped replies, dead letters, settled handlings. */
    private static final class Recording implements BusListener {
        final List<String> dropped = new CopyOnWriteArrayList<>();
        final AtomicInteger deadLettered = new AtomicInteger();
        final CountDownLatch settled = new CountDownLatch(1);
        private final CountDownLatch droppedOnce = new CountDownLatch(1);

        @Override
        public void replyDropped(Route route, String correlationId) {
            dropped.add(correlationId);
            droppedOnce.countDown();
        }

        @Override
        public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
            deadLettered.incrementAndGet();
        }

        @Override
        public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
            if (failure == null) {
                settled.countDown();
            }
        }

        void awaitDropped(Duration timeout) throws InterruptedException {
            assertTrue(droppedOnce.await(timeout.toMillis(), TimeUnit.MILLISECONDS), "no reply was dropped");
        }

        void awaitSettled(Duration timeout) {
            try {
                assertTrue(settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS), "the request was never settled");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}

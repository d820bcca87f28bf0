package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.spi.Destination;
import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RequestReplySuite;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.junit.jupiter.api.Test;

/**
 * Request/reply on the test broker: replies go to the reply topic every requesting bus shares
 * ({@code courier.replies}), each bus reading one partition by assignment and keeping the replies
 * keyed with its inbox id. Nothing is created per bus, so there is nothing to remove on close:
 * the suite checks that no topic or consumer group is named after a bus's inbox, and the tests
 * here that the shared topic stays and that a reply never creates a topic.
 */
class KafkaRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected BrokerProbe probe() {
        return KafkaTestBroker::exists;
    }

    @Override
    protected boolean replyInboxLeavesNothingPerBus() {
        return true;
    }

    /** True when a topic or a consumer group is named after the inbox id of {@code address}. */
    @Override
    protected boolean replyInboxExists(String address) throws Exception {
        String inbox = address.substring(address.lastIndexOf('/') + 1);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers()))) {
            boolean topic = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().anyMatch(t -> t.contains(inbox));
            boolean group = admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(ConsumerGroupListing::groupId).anyMatch(g -> g.contains(inbox));
            return topic || group;
        }
    }

    private static String unique(String what) {
        return ConformanceSuite.RUN_PREFIX + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void requesting_buses_share_one_reply_topic_which_stays_once_they_close() throws Exception {
        String topic = unique("shared-replies");
        List<String> addresses = new ArrayList<>();
        try (MessageBus responder = MessageBus.connect(url())) {
            Map<String, String> seen = new ConcurrentHashMap<>();
            responder.respond(topic, "replies", String.class, request -> {
                seen.put(request.payload(), request.headers().get("courier-reply-to"));
                return "to " + request.payload();
            });
            for (String name : List.of("first", "second")) {
                try (MessageBus requester = MessageBus.connect(url())) {
                    Message<String> reply = requester.request(topic, name, String.class, Duration.ofSeconds(30))
                            .toCompletableFuture().get(60, TimeUnit.SECONDS);
                    assertEquals("to " + name, reply.payload());
                }
                addresses.add(seen.get(name));
            }
        }

        assertNotEquals(addresses.get(0), addresses.get(1), "two buses got one inbox");
        for (String address : addresses) {
            assertTrue(address.startsWith(KafkaReplyTopic.TOPIC + "/"), address);
        }
        assertTrue(KafkaTestBroker.exists(Destination.topic(KafkaReplyTopic.TOPIC)),
                "the shared reply topic was removed with a bus");
    }

    @Test
    void a_reply_to_a_reply_topic_that_does_not_exist_fails_and_creates_no_topic() throws Exception {
        String topic = unique("forged");
        String missing = unique("gone") + ".replies";
        CountDownLatch failed = new CountDownLatch(1);
        List<Throwable> causes = new java.util.concurrent.CopyOnWriteArrayList<>();
        BusListener deadLetters = new BusListener() {
            @Override
            public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
                causes.add(cause);
                failed.countDown();
            }
        };
        try (MessageBus responder = MessageBus.connect(url(), BusOptions.defaults().withListener(deadLetters))) {
            responder.respond(topic, "forged", String.class, request -> "nobody reads this",
                    ConsumerOptions.defaults().withRetry(RetryPolicy.none()));
            try (KafkaForeignProducer producer = KafkaForeignProducer.forSharedBroker()) {
                producer.publish(topic, null, Map.of("courier-reply-to", missing + "/0/" + UUID.randomUUID().toString()
                                .replace("-", ""), "courier-correlation-id", "c-1", "content-type", "application/json"),
                        "\"question\"".getBytes(StandardCharsets.UTF_8));
            }

            assertTrue(failed.await(60, TimeUnit.SECONDS), "the reply to a missing topic did not fail");
        }

        // refused before anything was produced (the test broker itself refuses to auto-create topics,
        // so a producer send would fail too, but only after waiting for metadata, with another message)
        String why = String.valueOf(causes.get(0).getMessage());
        assertTrue(why.contains(missing) && why.contains("does not exist"), why);
        assertFalse(KafkaTestBroker.exists(Destination.topic(missing)), "a reply created topic " + missing);
    }

    @Test
    void a_reply_sent_after_its_requester_closed_is_delivered_to_the_shared_topic_and_creates_nothing() throws Exception {
        String topic = unique("after-close");
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch answered = new CountDownLatch(1);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, String> replyTo = new ConcurrentHashMap<>();
        BusListener handled = new BusListener() {
            @Override
            public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
                if (failure != null) {
                    failures.add(failure);
                }
                answered.countDown();
            }
        };
        try (MessageBus responder = MessageBus.connect(url(), BusOptions.defaults().withListener(handled))) {
            responder.respond(topic, "late", String.class, request -> {
                replyTo.put("address", request.headers().get("courier-reply-to"));
                received.countDown();
                assertTrue(answer.await(60, TimeUnit.SECONDS), "the requester never closed");
                return "too late";
            }, ConsumerOptions.defaults().withRetry(RetryPolicy.none()));
            MessageBus requester = MessageBus.connect(url());
            requester.request(topic, "anyone?", String.class, Duration.ofMinutes(1));
            assertTrue(received.await(60, TimeUnit.SECONDS), "the request never reached the responder");
            requester.close(); // while the responder holds the request; then the reply goes

            answer.countDown();

            assertTrue(answered.await(60, TimeUnit.SECONDS), "the responder never finished");
        }

        assertEquals(List.of(), failures, "the late reply failed the responder");
        assertFalse(replyInboxExists(replyTo.get("address")), "a topic or group named after the closed inbox exists");
        assertTrue(KafkaTestBroker.exists(Destination.topic(KafkaReplyTopic.TOPIC)));
    }
}

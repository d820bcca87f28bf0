package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.courier.api.MessageBus;
import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RequestReplySuite;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Request/reply against a real RabbitMQ: replies go to an exclusive, auto-delete queue of the
 * requester's connection, deleted when its bus closes (or its connection ends).
 */
class RabbitMqRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected BrokerProbe probe() {
        return TestBroker::exists;
    }

    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(ConformanceSuite.RUN_PREFIX);
    }

    @Test
    void the_reply_queue_belongs_to_the_requesters_connection_so_the_broker_deletes_it_when_a_process_dies()
            throws Exception {
        TestBroker.requireReachable();
        String topic = ConformanceSuite.RUN_PREFIX + "owned-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> replyTo = new ConcurrentHashMap<>();
        try (MessageBus responder = MessageBus.connect(url()); MessageBus requester = MessageBus.connect(url())) {
            responder.respond(topic, "owned", String.class, request -> {
                replyTo.put("address", request.headers().get("courier-reply-to"));
                return "ok";
            });
            requester.request(topic, "whose queue?", String.class, Duration.ofSeconds(30)).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);

            try (Connection other = TestBroker.adminConnection()) {
                Channel channel = other.createChannel();
                IOException refused = assertThrows(IOException.class,
                        () -> channel.queueDeclarePassive(replyTo.get("address")));
                assertTrue(String.valueOf(refused.getCause()).contains("RESOURCE_LOCKED"),
                        "another connection could use the reply queue: " + refused.getCause());
            }
        }
    }
}

package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishException;
import dev.courier.api.PublishReceipt;
import dev.courier.internal.memory.MemoryBrokerControl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, defect 12: a publish never blocks its caller on declaring its topic. */
@Timeout(30)
class PublishDeclareTest {

    private static final Duration IMMEDIATELY = Duration.ofSeconds(2);

    private final String broker = "declare-" + UUID.randomUUID();
    private final MessageBus bus = MessageBus.connect("memory://" + broker,
            BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(1)));

    @AfterEach
    void close() {
        MemoryBrokerControl.releaseDeclarations(broker);
        MemoryBrokerControl.start(broker);
        bus.close();
    }

    private static Throwable failureOf(CompletionStage<PublishReceipt> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void a_publish_returns_at_once_while_its_topic_is_slow_to_declare_and_completes_after() throws Exception {
        MemoryBrokerControl.holdDeclarations(broker);

        CompletionStage<PublishReceipt> first = assertTimeoutPreemptively(IMMEDIATELY, () -> bus.publish("orders", "o-1"));
        CompletionStage<PublishReceipt> second = assertTimeoutPreemptively(IMMEDIATELY, () -> bus.publish("orders", "o-2"));
        assertFalse(first.toCompletableFuture().isDone());

        MemoryBrokerControl.releaseDeclarations(broker);

        CompletableFuture.allOf(first.toCompletableFuture(), second.toCompletableFuture()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrent_publishes_to_a_topic_share_one_declaration() throws Exception {
        MemoryBrokerControl.holdDeclarations(broker);
        long before = MemoryBrokerControl.declarations(broker);

        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stages.add(bus.publish("orders", "o-" + i).toCompletableFuture());
        }
        MemoryBrokerControl.releaseDeclarations(broker);
        CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertEquals(1, MemoryBrokerControl.declarations(broker) - before);
    }

    @Test
    void a_declaration_that_outlasts_the_publish_timeout_fails_the_stage_naming_the_topic() {
        MemoryBrokerControl.holdDeclarations(broker);

        CompletionStage<PublishReceipt> stage = assertTimeoutPreemptively(IMMEDIATELY, () -> bus.publish("orders", "o-1"));

        PublishException e = assertInstanceOf(PublishException.class, failureOf(stage));
        assertTrue(e.getMessage().contains("could not declare"), e.getMessage());
        assertTrue(e.getMessage().contains("orders"), e.getMessage());
        assertTrue(e.getMessage().contains("within PT1S"), e.getMessage());
    }

    @Test
    void a_failed_declaration_fails_the_stage_with_its_cause_and_is_tried_again_on_the_next_publish() throws Exception {
        MemoryBrokerControl.stop(broker);

        PublishException e = assertInstanceOf(PublishException.class,
                failureOf(assertTimeoutPreemptively(IMMEDIATELY, () -> bus.publish("orders", "o-1"))));
        assertTrue(e.getMessage().contains("could not declare"), e.getMessage());
        assertTrue(e.getMessage().contains("orders"), e.getMessage());
        assertTrue(e.getMessage().contains("the memory broker is down"), e.getMessage());

        MemoryBrokerControl.start(broker);

        bus.publish("orders", "o-2").toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}

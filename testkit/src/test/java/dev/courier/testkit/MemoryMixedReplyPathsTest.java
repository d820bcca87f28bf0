package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.api.MessageBus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A responder whose transport has a reply path still answers a requester on the temporary-queue
 * path (a transport without one, or an older Courier during a rolling upgrade), on one broker.
 */
class MemoryMixedReplyPathsTest {

    @Test
    void a_responder_with_a_reply_path_answers_a_requester_whose_replies_use_a_temporary_queue() throws Exception {
        try (MessageBus responder = MessageBus.connect("memory://mixed-replies");
             MessageBus requester = MessageBus.connect("memory://mixed-replies?replies=temporaryQueue")) {
            responder.respond("mixed.price", "pricing", String.class, request -> "price of " + request.payload());

            String reply = requester.request("mixed.price", "cart-7", String.class, Duration.ofSeconds(30))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS).payload();

            assertEquals("price of cart-7", reply);
        }
    }
}

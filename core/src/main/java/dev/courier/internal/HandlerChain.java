package dev.courier.internal;

import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Middleware;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles middleware around a handler in the one documented order: dead-letter, retry,
 * observation (trace context and listeners), user middleware (as added), decoding, handler.
 */
final class HandlerChain {

    private HandlerChain() {
    }

    static MessageHandler<byte[]> assemble(DeadLetterStep deadLetter, RetryStep retry, ObserveStep observe,
                                           List<Middleware> user, MessageHandler<byte[]> decodeAndHandle) {
        List<Middleware> outermostFirst = new ArrayList<>();
        outermostFirst.add(deadLetter);
        outermostFirst.add(retry);
        outermostFirst.add(observe);
        outermostFirst.addAll(user);
        MessageHandler<byte[]> chain = decodeAndHandle;
        for (int i = outermostFirst.size() - 1; i >= 0; i--) {
            chain = wrap(outermostFirst.get(i), chain);
        }
        return chain;
    }

    private static MessageHandler<byte[]> wrap(Middleware middleware, MessageHandler<byte[]> next) {
        return (Message<byte[]> message) -> middleware.handle(message, next);
    }
}

package dev.courier.api;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Answers requests sent with {@link MessageBus#request}: given the request, returns the reply
 * payload ({@code byte[]}, {@code String} or a type the bus's codec writes). Registered with
 * {@link MessageBus#respond}; runs on the subscription's handler threads, so it may block.
 *
 * <p>An asynchronous responder is adapted with {@link #async}: the handler thread waits for its
 * stage, so the request is acknowledged only once the reply was sent. A responder that throws (or
 * whose stage fails) is retried by the subscription's {@link RetryPolicy}; after the last attempt
 * the requester receives a {@link RemoteHandlerException} and the request is acknowledged: it is
 * answered, not dead-lettered.
 *
 * @param <Q> the request payload type
 * @param <R> the reply payload type
 */
@FunctionalInterface
public interface Responder<Q, R> {

    /** The reply to {@code request}; never {@code null}. */
    R respond(Message<Q> request) throws Exception;

    /** A responder that answers with the stage {@code responder} returns. */
    static <Q, R> Responder<Q, R> async(Async<Q, R> responder) {
        return request -> {
            try {
                return responder.respond(request).toCompletableFuture().get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        };
    }

    /**
     * A responder that answers with a stage, adapted by {@link #async}.
     *
     * @param <Q> the request payload type
     * @param <R> the reply payload type
     */
    @FunctionalInterface
    interface Async<Q, R> {
        /** The stage of the reply to {@code request}. */
        CompletionStage<R> respond(Message<Q> request) throws Exception;
    }
}

package dev.courier.api;

import java.util.Objects;

/**
 * A {@link Middleware} in the consume pipeline. A failure of the steps it calls reaches it as the
 * exception they failed with; what it throws is a failed attempt; when it returns normally the
 * message is handled (or retried or dead-lettered, if the steps it called said so).
 */
record MiddlewareInterceptor(Middleware middleware) implements ConsumeInterceptor {

    MiddlewareInterceptor {
        Objects.requireNonNull(middleware, "middleware");
    }

    @Override
    public Outcome intercept(Message<byte[]> message, Chain next) {
        Outcome[] inner = new Outcome[1];
        try {
            middleware.handle(message, m -> {
                Outcome outcome = next.proceed(m);
                inner[0] = outcome;
                if (outcome instanceof Outcome.Failed failed) {
                    throw MiddlewareInterceptor.<RuntimeException>sneaky(failed.cause());
                }
            });
        } catch (Throwable thrown) {
            return inner[0] != null && inner[0].cause() == thrown ? inner[0] : Outcome.failed(thrown);
        }
        // returned normally: handled, unless the steps it called asked for more than an ack
        return inner[0] == null || inner[0] instanceof Outcome.Failed ? Outcome.handled() : inner[0];
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable failure) throws E {
        throw (E) failure;
    }
}

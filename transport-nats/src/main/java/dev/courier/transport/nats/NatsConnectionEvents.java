package dev.courier.transport.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.support.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what jnats reports about one connection through SLF4J (jnats' own default goes to
 * {@code java.util.logging}), and tells the transport when subscriptions are restored after a
 * reconnect, and what the server answers to pull requests (such as an expired request), so
 * consumers can pull again at once. Called on jnats' threads; thread safe.
 */
final class NatsConnectionEvents implements ConnectionListener, ErrorListener {

    private static final Logger log = LoggerFactory.getLogger(NatsConnectionEvents.class);

    private final String address;
    private final UnaryOperator<String> scrub;
    private volatile Runnable onResubscribed = () -> { };
    private volatile BiConsumer<JetStreamSubscription, Status> onPullError = (subscription, status) -> { };
    private volatile BiConsumer<JetStreamSubscription, Status> onPullWarning = (subscription, status) -> { };
    private volatile Exception lastException;

    /**
     * @param address where the connection goes, without credentials
     * @param scrub   masks the connection's secrets in what jnats reports
     */
    NatsConnectionEvents(String address, UnaryOperator<String> scrub) {
        this.address = address;
        this.scrub = scrub;
    }

    /** What to run once subscriptions are restored after a reconnect. */
    void onResubscribed(Runnable action) {
        this.onResubscribed = action;
    }

    /** What to run when the server answers a pull with an error status (such as a deleted consumer). */
    void onPullError(BiConsumer<JetStreamSubscription, Status> action) {
        this.onPullError = action;
    }

    /** What to run when the server answers a pull with a warning status (such as {@code 408} for an expired request). */
    void onPullWarning(BiConsumer<JetStreamSubscription, Status> action) {
        this.onPullWarning = action;
    }

    /** The last exception jnats reported, or {@code null}: after a failed connect, why it failed (such as TLS). */
    Exception lastException() {
        return lastException;
    }

    /** jnats still calls this one by default; all the work happens in the four-argument form. */
    @Override
    @Deprecated
    public void connectionEvent(Connection connection, Events event) {
        connectionEvent(connection, event, null, null);
    }

    @Override
    public void connectionEvent(Connection connection, Events event, Long time, String uriDetails) {
        switch (event) {
            case DISCONNECTED -> log.warn("Disconnected from NATS at {}; reconnecting", address);
            case RECONNECTED -> log.info("Reconnected to NATS at {} ({})", address, connection.getConnectedUrl());
            case RESUBSCRIBED -> {
                log.info("Subscriptions restored on NATS at {}", address);
                onResubscribed.run();
            }
            case LAME_DUCK -> log.warn("NATS server at {} entered lame duck mode; will move to another server", address);
            default -> log.debug("NATS connection to {}: {}", address, event);
        }
    }

    @Override
    public void errorOccurred(Connection connection, String error) {
        log.warn("NATS at {} reported an error: {}", address, scrub.apply(error));
    }

    @Override
    public void exceptionOccurred(Connection connection, Exception exception) {
        lastException = exception;
        log.warn("NATS connection to {} failed: {}", address, scrub.apply(exception.toString()));
        if (log.isDebugEnabled()) {
            log.debug("NATS connection failure details: {}", scrub.apply(stackTrace(exception)));
        }
    }

    @Override
    public void slowConsumerDetected(Connection connection, Consumer consumer) {
        log.warn("Slow consumer on NATS connection to {}: messages are being dropped client-side", address);
    }

    @Override
    public void messageDiscarded(Connection connection, Message message) {
        log.warn("NATS client discarded an outgoing message to {} (outgoing queue full)", message.getSubject());
    }

    @Override
    public void pullStatusWarning(Connection connection, JetStreamSubscription subscription, Status status) {
        log.debug("Pull status on {}: {}", describe(subscription), status);
        onPullWarning.accept(subscription, status);
    }

    @Override
    public void pullStatusError(Connection connection, JetStreamSubscription subscription, Status status) {
        log.warn("Pull error on {} at {}: {}", describe(subscription), address, status);
        onPullError.accept(subscription, status);
    }

    @Override
    public void unhandledStatus(Connection connection, JetStreamSubscription subscription, Status status) {
        log.debug("Unhandled status on {}: {}", describe(subscription), status);
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static String describe(JetStreamSubscription subscription) {
        try {
            return "consumer " + subscription.getConsumerName();
        } catch (RuntimeException e) {
            return "a consumer";
        }
    }
}

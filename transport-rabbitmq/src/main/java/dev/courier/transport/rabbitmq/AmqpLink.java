package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MalformedFrameException;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.DefaultExceptionHandler;
import dev.courier.api.ConnectionException;
import dev.courier.spi.Destination;
import dev.courier.spi.Secrets;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AMQP connection with automatic recovery (connection, channels, recorded topology and
 * consumers) and a channel for declarations. The transport uses one link for publishing and one
 * for consuming, so a broker blocking publishers (memory or disk alarm) never stalls the acks of
 * consumers.
 *
 * <p>Thread safe: declarations are serialised on the declaration channel.
 */
final class AmqpLink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AmqpLink.class);

    private final RabbitMqSettings settings;
    private final String role;
    private final Connection connection;
    private final Object declareLock = new Object();
    private Channel declareChannel; // guarded by declareLock
    private volatile boolean closing;
    /** Why the connection is down, while it is; {@code null} when connected. */
    private volatile String lost;
    /** False from a connection loss until the connection, its channels, topology and consumers are back. */
    private volatile boolean ready = true;
    private final List<Runnable> recoveryCallbacks = new CopyOnWriteArrayList<>();

    private AmqpLink(RabbitMqSettings settings, String role, Connection connection) {
        this.settings = settings;
        this.role = role;
        this.connection = connection;
    }

    /**
     * Opens a connection; fails within the connect timeout with a {@link ConnectionException}
     * naming host and port (never the password).
     */
    static AmqpLink open(ConnectionFactory factory, RabbitMqSettings settings, String role) {
        String name = (settings.connectionName() != null ? settings.connectionName() : "courier") + " (" + role + ")";
        Connection connection;
        try {
            connection = factory.newConnection(List.of(new Address(settings.host(), settings.port())), name);
        } catch (AuthenticationFailureException e) {
            throw Failures.connection("RabbitMQ at " + settings.hostAndPort() + " refused the login of user '"
                    + settings.user() + "' (wrong user name or password?)", e, settings);
        } catch (IOException | TimeoutException | RuntimeException e) {
            if (Failures.notAmqp(e)) {
                throw Failures.connection("could not connect to RabbitMQ at " + settings.hostAndPort() + " ("
                        + settings.address() + "): the peer does not speak AMQP 0-9-1 (another protocol answered: is "
                        + settings.port() + " the broker's AMQP port? RabbitMQ listens on " + RabbitMqSettings.DEFAULT_PORT
                        + ", or " + RabbitMqSettings.DEFAULT_TLS_PORT + " for amqps://)", e, settings);
            }
            throw Failures.connection("could not connect to RabbitMQ at " + settings.hostAndPort() + " (" + settings.address()
                    + "): " + Failures.reason(e, settings) + " (connect timeout " + settings.connectTimeout().toMillis()
                    + " ms)", e, settings);
        }
        AmqpLink link = new AmqpLink(settings, role, connection);
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication() && !link.closing) {
                link.ready = false;
                link.lost = Failures.reason(cause, settings);
                log.warn("Lost the {} connection to {}: {}; reconnecting every {} ms", role, settings.address(),
                        Failures.reason(cause, settings), settings.recoveryInterval().toMillis());
            }
        });
        ((Recoverable) connection).addRecoveryListener(new RecoveryListener() {
            @Override
            public void handleRecovery(Recoverable recoverable) {
                link.lost = null;
                link.ready = true;
                log.info("Reconnected the {} connection to {}", role, settings.address());
                link.recoveryCallbacks.forEach(Runnable::run);
            }

            @Override
            public void handleRecoveryStarted(Recoverable recoverable) {
                log.debug("Recovering the {} connection to {}", role, settings.address());
            }
        });
        connection.addBlockedListener(
                reason -> log.warn("RabbitMQ at {} blocks publishing: {}", settings.address(), reason),
                () -> log.info("RabbitMQ at {} accepts publishing again", settings.address()));
        log.debug("Opened the {} connection to {}", role, settings.address());
        return link;
    }

    /** A new channel on this connection; it recovers with the connection. */
    Channel createChannel() throws IOException {
        Channel channel = connection.createChannel();
        if (channel == null) {
            throw new IOException("no channel available on the " + role + " connection (channel_max reached)");
        }
        return channel;
    }

    /**
     * Whether the connection is usable: false from a connection loss until automatic recovery has
     * restored the connection with its channels, declarations and consumers, and after close.
     */
    boolean isReady() {
        return ready && !closing;
    }

    /** Runs {@code callback} on the recovery thread each time the connection has fully recovered. */
    void onRecovery(Runnable callback) {
        recoveryCallbacks.add(callback);
    }

    /**
     * {@code null} when connected, else why not: the connection was lost (the client reconnects
     * every recovery interval) or closed.
     */
    String problem() {
        if (ready) {
            return null;
        }
        String reason = lost;
        return "the " + role + " connection to " + settings.address() + " is down"
                + (reason == null ? "" : " (" + reason + ")") + "; reconnecting every "
                + settings.recoveryInterval().toMillis() + " ms";
    }

    /** Declares a durable topic exchange named {@code topic}. */
    void declareTopic(String topic) {
        declare("topic " + topic, channel -> channel.exchangeDeclare(topic, "topic", true, false, false, null));
    }

    /** Declares a durable queue named {@code queue}. */
    void declareQueue(String queue) {
        declare("queue " + queue, channel -> channel.queueDeclare(queue, true, false, false, queueArguments()));
    }

    /**
     * Declares the temporary queue {@code queue}: a classic, non-durable queue (a broker restart
     * drops it; quorum queues cannot be non-durable), deleted by {@link #deleteQueue}. It is
     * neither exclusive nor auto-delete: a bus publishes and consumes on two connections, and its
     * workers may stop and start again while the bus is open.
     */
    void declareTemporaryQueue(String queue) {
        declare("temporary queue " + queue, channel -> channel.queueDeclare(queue, false, false, false,
                Map.of("x-queue-type", "classic")));
    }

    /** Deletes {@code queue} with its messages; a queue already gone is not an error. */
    void deleteQueue(String queue) {
        declare("the deletion of queue " + queue, channel -> channel.queueDelete(queue));
    }

    /** Declares the topic's exchange and the group's durable queue {@code <topic>:<group>} bound to it. */
    void declareGroup(String topic, String queue) {
        declare("group queue " + queue + " of topic " + topic, channel -> {
            channel.exchangeDeclare(topic, "topic", true, false, false, null);
            channel.queueDeclare(queue, true, false, false, queueArguments());
            channel.queueBind(queue, topic, "#");
        });
    }

    /** Declares the {@link DelayLevels delay levels}; idempotent. */
    void declareDelayLevels() {
        declare("the delay levels " + DelayLevels.PREFIX + "0 to " + (DelayLevels.LEVELS - 1), DelayLevels::declareLevels);
    }

    /** Binds {@code destination} to where due delayed messages leave the levels; idempotent. */
    void bindDelayed(Destination destination) {
        declare("the binding of " + destination + " to " + DelayLevels.DELIVER, channel -> DelayLevels.bind(channel, destination));
    }

    private Map<String, Object> queueArguments() {
        return settings.queueType() == RabbitMqSettings.QueueType.QUORUM ? Map.of("x-queue-type", "quorum") : null;
    }

    private void declare(String what, Declaration declaration) {
        synchronized (declareLock) {
            Channel channel;
            try {
                if (declareChannel != null && !declareChannel.isOpen() && isReady()) {
                    // closed by a channel error (an earlier refused declaration): replace it
                    closeQuietly(declareChannel);
                    declareChannel = null;
                }
                if (declareChannel == null) {
                    declareChannel = createChannel();
                }
                channel = declareChannel;
                declaration.run(channel);
            } catch (IOException | ShutdownSignalException e) {
                String refusal = Failures.refusal(e);
                if (refusal != null) {
                    throw new ConnectionException("RabbitMQ at " + settings.address() + " refused to declare " + what + ": "
                            + refusal + hint(refusal), null);
                }
                throw Failures.connection("could not declare " + what + " on RabbitMQ at " + settings.address() + ": "
                        + Failures.reason(e, settings) + (isReady() ? "" : " (not connected; reconnecting)"), e, settings);
            }
        }
    }

    private String hint(String refusal) {
        return refusal.contains("x-queue-type") || refusal.contains("inequivalent arg")
                ? "; it exists with other settings (the option queueType is " + settings.queueType().name().toLowerCase(Locale.ROOT) + ")"
                : "";
    }

    @Override
    public void close() {
        closing = true;
        try {
            connection.close(ConnectionFactory.DEFAULT_SHUTDOWN_TIMEOUT);
        } catch (IOException | ShutdownSignalException e) {
            log.debug("The {} connection to {} was already closed", role, settings.address());
        }
    }

    static void closeQuietly(Channel channel) {
        try {
            channel.close();
        } catch (IOException | TimeoutException | ShutdownSignalException e) {
            // already closed: closing an AutorecoveringChannel also stops its recovery
        }
    }

    @Override
    public String toString() {
        return "AmqpLink[" + role + ", " + settings.address() + "]";
    }

    /**
     * The client's handler of unexpected errors, minus its stack traces at ERROR for failures the
     * transport already reports in one line: a connection that breaks (the link's WARN "Lost the
     * ... connection", or the {@link ConnectionException} of a failed connect, such as a port that
     * speaks another protocol) and each failed reconnection attempt (every recovery interval,
     * while {@code health()} says RECONNECTING). Those go to DEBUG, with the stack trace.
     * Everything else keeps the client's default handling.
     */
    static final class ClientErrors extends DefaultExceptionHandler {

        private final RabbitMqSettings settings;

        ClientErrors(RabbitMqSettings settings) {
            this.settings = settings;
        }

        @Override
        public void handleUnexpectedConnectionDriverException(Connection connection, Throwable exception) {
            log.debug("The connection to {} failed: {}", settings.address(), Failures.reason(exception, settings),
                    Failures.showsPassword(exception, settings) ? null : exception);
        }

        @Override
        public void handleConnectionRecoveryException(Connection connection, Throwable exception) {
            log.debug("Reconnecting to {} failed: {}; trying again in {} ms", settings.address(),
                    Failures.reason(exception, settings), settings.recoveryInterval().toMillis(),
                    Failures.showsPassword(exception, settings) ? null : exception);
        }
    }

    @FunctionalInterface
    private interface Declaration {
        void run(Channel channel) throws IOException;
    }

    /** Exception mapping that never lets the password through. */
    static final class Failures {

        private Failures() {
        }

        /** The broker's refusal text (channel or connection close) behind {@code failure}, or {@code null}. */
        static String refusal(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof ShutdownSignalException signal && !signal.isInitiatedByApplication()) {
                    Method reason = signal.getReason();
                    if (reason instanceof AMQP.Channel.Close close) {
                        return close.getReplyText();
                    }
                }
            }
            return null;
        }

        /** Whether {@code failure} says the peer answered with something that is not AMQP 0-9-1. */
        static boolean notAmqp(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof MalformedFrameException) {
                    return true;
                }
            }
            return false;
        }

        /** A short reason for {@code failure}: the broker's reply text or the innermost message. */
        static String reason(Throwable failure, RabbitMqSettings settings) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof ShutdownSignalException signal && signal.getReason() != null) {
                    Method reason = signal.getReason();
                    if (reason instanceof AMQP.Channel.Close close) {
                        return scrub(close.getReplyText(), settings);
                    }
                    if (reason instanceof AMQP.Connection.Close close) {
                        return scrub(close.getReplyText(), settings);
                    }
                }
            }
            Throwable innermost = failure;
            while (innermost.getCause() != null && innermost.getCause() != innermost) {
                innermost = innermost.getCause();
            }
            String message = innermost.getMessage();
            String text = message == null || message.isBlank() ? innermost.getClass().getSimpleName() : message;
            return scrub(text, settings);
        }

        /**
         * A connection failure with {@code cause} attached unless one of its messages shows the
         * password; {@code message} is built by this transport from {@link #reason} and never holds it.
         */
        static ConnectionException connection(String message, Throwable cause, RabbitMqSettings settings) {
            return new ConnectionException(message, showsPassword(cause, settings) ? null : cause);
        }

        /** Whether a message in {@code failure}'s chain shows the password or another secret option. */
        static boolean showsPassword(Throwable failure, RabbitMqSettings settings) {
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                String message = t.getMessage();
                if (message != null && !message.equals(scrub(message, settings))) {
                    return true;
                }
            }
            return false;
        }

        /** {@code text} with the password and secret options masked ({@link Secrets#scrub}). */
        static String scrub(String text, RabbitMqSettings settings) {
            return Secrets.scrub(text, settings.secrets());
        }
    }
}

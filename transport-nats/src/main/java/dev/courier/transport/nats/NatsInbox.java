package dev.courier.transport.nats;

import dev.courier.api.PublishException;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.ReplyInbox;
import dev.courier.spi.ReplyPath;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies over core NATS: a bus's inbox is a subscription to an inbox subject of its connection
 * ({@code _INBOX.<nuid>}, or the connection's inbox prefix); a reply is a plain core publish to it,
 * with Courier's headers. No JetStream stream or consumer is created per bus, and nothing stays on
 * the server: the subscription ends when the inbox closes or the connection drops. A reply to an
 * inbox nobody subscribes to is discarded by the server. Thread safe.
 */
final class NatsInbox implements ReplyPath {

    private static final Logger log = LoggerFactory.getLogger(NatsInbox.class);
    /** An inbox subject: the prefix, then one token of NUID characters. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9]{8,64}");

    private final Connection connection;
    private final String prefix;
    private final Duration confirmTimeout;
    private final String address;
    private final EnvelopeForm form;

    NatsInbox(Connection connection, Duration confirmTimeout, String address, EnvelopeForm form) {
        this.form = form;
        this.connection = connection;
        String configured = connection.getOptions().getInboxPrefix();
        this.prefix = configured.endsWith(".") ? configured : configured + ".";
        this.confirmTimeout = confirmTimeout;
        this.address = address;
    }

    @Override
    public ReplyInbox open(DeliverySink sink) {
        String subject = connection.createInbox();
        Destination source = Destination.temporaryQueue(subject);
        Dispatcher dispatcher = connection.createDispatcher(message -> {
            Envelope reply;
            try {
                reply = NatsHeaders.toEnvelope(message, source);
            } catch (RuntimeException e) {
                log.warn("Dropped an unreadable reply on inbox {}: {}", subject, e.toString());
                return;
            }
            sink.deliver(ReplyPath.unacknowledged(reply));
        });
        dispatcher.subscribe(subject);
        NatsTransport.awaitServer(connection, confirmTimeout, address, "subscribe to reply inbox " + subject);
        return ReplyInbox.of(subject, () -> {
            connection.closeDispatcher(dispatcher);
            if (connection.getStatus() == Connection.Status.CONNECTED) {
                NatsTransport.awaitServer(connection, confirmTimeout, address, "unsubscribe from reply inbox " + subject);
            }
        });
    }

    @Override
    public boolean accepts(String subject) {
        return subject.startsWith(prefix) && TOKEN.matcher(subject).region(prefix.length(), subject.length()).matches();
    }

    @Override
    public CompletionStage<Void> send(String subject, Envelope reply) {
        try {
            connection.publish(subject, NatsHeaders.toHeaders(reply, form, false), reply.payload());
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new PublishException("could not send reply " + reply.id() + " to inbox "
                    + subject + " on NATS at " + address + ": " + e.getMessage(), e));
        }
    }
}

package dev.courier.internal;

import dev.courier.api.BusListener;
import dev.courier.api.Message;
import dev.courier.api.Route;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Passes every event to each registered listener; a listener that throws (even an Error) is logged and skipped. */
final class ListenerFanout implements BusListener {

    private static final Logger log = LoggerFactory.getLogger(ListenerFanout.class);

    private final List<BusListener> listeners;

    private ListenerFanout(List<BusListener> listeners) {
        this.listeners = listeners;
    }

    /** The fan-out over {@code listeners}, or {@code null} when there are none (callers skip the work). */
    static ListenerFanout of(List<BusListener> listeners) {
        return listeners.isEmpty() ? null : new ListenerFanout(List.copyOf(listeners));
    }

    private void each(Consumer<BusListener> event) {
        for (BusListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException | Error e) {
                log.warn("Listener {} failed; ignoring it for this event", listener, e);
            }
        }
    }

    @Override
    public void published(Route route, String messageId, Duration elapsed) {
        each(l -> l.published(route, messageId, elapsed));
    }

    @Override
    public void publishFailed(Route route, String messageId, Throwable error) {
        each(l -> l.publishFailed(route, messageId, error));
    }

    @Override
    public void delivered(Route route, Message<byte[]> message) {
        each(l -> l.delivered(route, message));
    }

    @Override
    public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
        each(l -> l.handled(route, message, duration, failure));
    }

    @Override
    public void retried(Route route, Message<byte[]> message, Duration delay, Throwable cause) {
        each(l -> l.retried(route, message, delay, cause));
    }

    @Override
    public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
        each(l -> l.deadLettered(route, message, cause));
    }

    @Override
    public void deadLetterFailed(Route route, Message<byte[]> message, Throwable failure) {
        each(l -> l.deadLetterFailed(route, message, failure));
    }

    @Override
    public void inFlightChanged(Route route, int inFlight) {
        each(l -> l.inFlightChanged(route, inFlight));
    }

    @Override
    public void backlogChanged(Route route, int partition, long records) {
        each(l -> l.backlogChanged(route, partition, records));
    }

    @Override
    public void replyDropped(Route route, String correlationId) {
        each(l -> l.replyDropped(route, correlationId));
    }
}

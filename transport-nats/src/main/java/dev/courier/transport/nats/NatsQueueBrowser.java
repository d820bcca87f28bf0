package dev.courier.transport.nats;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a work queue's stream without consuming it: each stored message by its sequence (a
 * direct read that no consumer sees), and removes one by deleting its sequence from the stream,
 * which the queue's consumer then skips. Holds nothing on the server. A stream that does not
 * exist reads as empty. One thread at a time.
 */
final class NatsQueueBrowser implements QueueBrowser {

    private static final int STREAM_NOT_FOUND = 10059;
    private static final int NO_MESSAGE_FOUND = 10037;

    private final JetStreamManagement management;
    private final Destination queue;
    private final String stream;
    private final NatsSettings settings;
    /** Sequence of each message read last, by id, oldest first. */
    private final Map<String, List<Long>> sequences = new LinkedHashMap<>();

    NatsQueueBrowser(JetStreamManagement management, Destination queue, NatsSettings settings) {
        this.management = management;
        this.queue = queue;
        this.stream = NatsNames.stream(queue);
        this.settings = settings;
    }

    @Override
    public List<Envelope> messages(int max) {
        sequences.clear();
        List<Envelope> read = new ArrayList<>();
        try {
            StreamInfo info;
            try {
                info = management.getStreamInfo(stream);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                    return read;
                }
                throw e;
            }
            if (info.getStreamState().getMsgCount() == 0) {
                return read;
            }
            long last = info.getStreamState().getLastSequence();
            for (long seq = Math.max(1, info.getStreamState().getFirstSequence()); seq <= last && read.size() < max; seq++) {
                MessageInfo stored;
                try {
                    stored = management.getMessage(stream, seq);
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
                        continue; // acked or deleted: a gap in the stream
                    }
                    throw e;
                }
                Envelope envelope = envelope(stored);
                sequences.computeIfAbsent(envelope.id(), id -> new ArrayList<>()).add(seq);
                read.add(envelope);
            }
            return read;
        } catch (IOException | JetStreamApiException e) {
            throw failure("read", e);
        }
    }

    @Override
    public boolean remove(String id) {
        if (!sequences.containsKey(id)) {
            messages(Integer.MAX_VALUE);
        }
        List<Long> candidates = sequences.getOrDefault(id, List.of());
        while (!candidates.isEmpty()) {
            long seq = candidates.remove(0);
            try {
                if (management.deleteMessage(stream, seq, false)) {
                    return true;
                }
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != NO_MESSAGE_FOUND) {
                    throw failure("remove message " + id + " from", e);
                }
            } catch (IOException e) {
                throw failure("remove message " + id + " from", e);
            }
        }
        return false;
    }

    private Envelope envelope(MessageInfo stored) {
        Message message = NatsMessage.builder().subject(stored.getSubject()).headers(stored.getHeaders())
                .data(stored.getData()).build();
        try {
            return NatsHeaders.toEnvelope(message, queue);
        } catch (RuntimeException unreadable) {
            return NatsHeaders.withoutHeaders(message, queue);
        }
    }

    private ConnectionException failure(String action, Exception e) {
        return new ConnectionException("could not " + action + " " + queue + " (stream " + stream + ") on NATS at "
                + settings.address() + ": " + settings.scrub(e.getMessage()), e);
    }

    @Override
    public void close() {
        sequences.clear();
    }
}

package dev.courier.transport.aws;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads an SQS queue without consuming it: {@code ReceiveMessage} with a short visibility timeout
 * ({@link #VISIBILITY_SECONDS}) holds each message read, a delete by its receipt handle removes one,
 * and {@link #close()} gives every other one back at once ({@code ChangeMessageVisibility 0}); if
 * the process dies they come back when that timeout ends. Nothing read is deleted unless removed.
 *
 * <p>Each read counts as a receive (toward a redrive policy's {@code maxReceiveCount}, if the queue
 * has one), and held messages are invisible to consumers until given back. On a FIFO queue SQS
 * hides the rest of a message group while some of it is held, so one session reads the first
 * messages of each group (up to 10 a group). A queue that does not exist reads as empty. One
 * thread at a time.
 */
final class AwsQueueBrowser implements QueueBrowser {

    /** How long a read message stays invisible if the session ends without giving it back. */
    static final int VISIBILITY_SECONDS = 30;

    private final AwsTransport transport;
    private final SqsAsyncClient sqs;
    private final Destination queue;
    private final String queueName;
    private final List<Held> held = new ArrayList<>();
    private String queueUrl;
    private boolean exhausted;

    private record Held(String receiptHandle, Envelope envelope) {
    }

    AwsQueueBrowser(AwsTransport transport, SqsAsyncClient sqs, Destination queue) {
        this.transport = transport;
        this.sqs = sqs;
        this.queue = queue;
        this.queueName = AwsNames.queue(queue, null);
    }

    @Override
    public List<Envelope> messages(int max) {
        release();
        fetchUntil(max, null);
        return held.stream().limit(max).map(Held::envelope).toList();
    }

    @Override
    public boolean remove(String id) {
        Held found = held.stream().filter(h -> h.envelope().id().equals(id)).findFirst()
                .orElseGet(() -> fetchUntil(Integer.MAX_VALUE, id));
        if (found == null) {
            return false;
        }
        try {
            transport.delete(queueUrl, found.receiptHandle()).join();
        } catch (CompletionException e) {
            throw failure("remove message " + id + " from", e);
        }
        held.remove(found);
        return true;
    }

    /** Reads on until {@code max} messages are held or one has {@code id}; returns that one, if any. */
    private Held fetchUntil(int max, String id) {
        try {
            if (queueUrl == null && !exhausted) {
                try {
                    queueUrl = transport.await(sqs.getQueueUrl(r -> r.queueName(queueName)), "find queue " + queueName)
                            .queueUrl();
                } catch (CompletionException e) {
                    if (AwsTransport.unwrap(e.getCause()) instanceof QueueDoesNotExistException) {
                        exhausted = true;
                        return null;
                    }
                    throw e;
                }
            }
            while (!exhausted && held.size() < max) {
                int wanted = (int) Math.min(AwsBatcher.MAX_ENTRIES, (long) max - held.size());
                List<Message> read = transport.await(sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                        .maxNumberOfMessages(wanted)
                        .waitTimeSeconds(0)
                        .visibilityTimeout(VISIBILITY_SECONDS)
                        .messageSystemAttributeNames(AwsConsumer.SYSTEM_ATTRIBUTES)
                        .messageAttributeNames("All")
                        .receiveRequestAttemptId(UUID.randomUUID().toString())), "read queue " + queueName).messages();
                if (read.isEmpty()) {
                    exhausted = true;
                }
                Held wantedOne = null;
                for (Message message : read) {
                    Held one = new Held(message.receiptHandle(), AwsConsumer.toEnvelope(queue, message));
                    held.add(one);
                    if (wantedOne == null && one.envelope().id().equals(id)) {
                        wantedOne = one;
                    }
                }
                if (wantedOne != null) {
                    return wantedOne;
                }
            }
            return null;
        } catch (CompletionException e) {
            throw failure("read", e);
        }
    }

    /** Gives back at once what this session holds. */
    private void release() {
        List<CompletableFuture<Void>> givenBack = held.stream()
                .map(h -> transport.changeVisibility(queueUrl, h.receiptHandle(), 0)).toList();
        held.clear();
        exhausted = false;
        try {
            CompletableFuture.allOf(givenBack.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw failure("give back the messages read from", e);
        }
    }

    private ConnectionException failure(String action, CompletionException e) {
        return new ConnectionException("could not " + action + " queue " + queueName + " at "
                + transport.settings().address() + ": " + transport.settings().scrub(AwsTransport.reason(e)), e);
    }

    @Override
    public void close() {
        release();
    }
}

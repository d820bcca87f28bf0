package dev.courier.transport.aws;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The visibility changes of one received message take effect in the order the transport was asked
 * for them: a give-back asked for right after an extension leaves the message visible. SQS (and
 * moto) apply concurrent calls in any order; before, an extension under way could land after the
 * give-back and hide the message for another visibility timeout (the conformance suite's close
 * during retries then saw nothing within 30 s under load).
 */
class AwsVisibilityOrderTest {

    private static final int MESSAGES = 100;

    private AwsTestClients clients;
    private AwsTransport transport;

    @BeforeEach
    void setUp() {
        clients = new AwsTestClients();
        URI url = URI.create(MotoServer.url());
        Map<String, String> options = new java.util.HashMap<>();
        if (url.getQuery() != null) {
            for (String pair : url.getQuery().split("&")) {
                int equals = pair.indexOf('=');
                options.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        transport = AwsTransport.connect(AwsSettings.parse(URI.create("aws://" + url.getHost()), options));
    }

    @AfterEach
    void tearDown() {
        transport.close();
        clients.close();
    }

    @Test
    void a_give_back_asked_for_after_an_extension_wins_over_it() throws Exception {
        String queueUrl = clients.sqs.createQueue(r -> r.queueName(MotoServer.uniquePrefix() + "visibility")).join().queueUrl();
        for (int i = 0; i < MESSAGES; i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int j = i; j < i + 10; j++) {
                entries.add(SendMessageBatchRequestEntry.builder().id("e" + j).messageBody("m" + j).build());
            }
            clients.sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).join();
        }
        List<Message> received = receiveAll(queueUrl, 300);
        assertEquals(MESSAGES, received.size(), "every message received once");

        List<CompletableFuture<Void>> changes = new ArrayList<>();
        for (Message message : received) {
            changes.add(transport.changeVisibility(queueUrl, message.receiptHandle(), 300));
            changes.add(transport.changeVisibility(queueUrl, message.receiptHandle(), 0));
        }
        CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertEquals(MESSAGES, receiveAll(queueUrl, 300).size(), "every message given back is visible at once");
    }

    /** Receives until a receive finds nothing; the distinct messages. */
    private List<Message> receiveAll(String queueUrl, int visibilitySeconds) {
        List<Message> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (true) {
            List<Message> got = clients.sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .visibilityTimeout(visibilitySeconds)).join().messages();
            if (got.isEmpty()) {
                return all;
            }
            got.stream().filter(m -> seen.add(m.messageId())).forEach(all::add);
        }
    }
}

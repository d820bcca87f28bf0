package dev.courier.transport.aws;

import dev.courier.testkit.ForeignProducer;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Another team's service writing to SNS and SQS with the plain AWS SDK: the body as text (base64
 * with {@code content-transfer-encoding: base64} when it is not text SQS takes), headers as
 * {@code String} message attributes, the key as message group id. SQS takes no empty attribute
 * value, so a header with an empty value goes into the {@code courier} attribute, in the
 * form-encoded format the module README documents for such headers.
 */
final class AwsForeignProducer implements ForeignProducer {

    /** SNS's and SQS's limit, less room for the encoding attribute. */
    private static final int LARGEST_BODY = (256 * 1024 - 64) / 4 * 3;

    private final AwsTestClients clients = new AwsTestClients();

    @Override
    public void publish(String topic, String key, Map<String, String> headers, byte[] body) throws Exception {
        Map<String, String> attributes = new HashMap<>();
        StringBuilder packed = new StringBuilder();
        headers.forEach((name, value) -> {
            if (value.isEmpty()) {
                if (!packed.isEmpty()) {
                    packed.append('&');
                }
                packed.append("h=").append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append("&v=");
            } else {
                attributes.put(name, value);
            }
        });
        if (!packed.isEmpty()) {
            attributes.put(AwsMessages.PACKED, packed.toString());
        }
        publishToTopic(topic, key, attributes, body);
    }

    @Override
    public void publishWithContentType(String topic, String contentType, byte[] body) throws Exception {
        publishToTopic(topic, null, Map.of(AwsMessages.CONTENT_TYPE, contentType), body);
    }

    @Override
    public void submit(String queue, Map<String, String> headers, byte[] body) throws Exception {
        Map<String, String> attributes = new HashMap<>(headers);
        String text = bodyText(body, attributes);
        Map<String, MessageAttributeValue> sqsAttributes = new HashMap<>();
        attributes.forEach((name, value) -> sqsAttributes.put(name,
                MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        String url = clients.sqs.createQueue(r -> r.queueName(AwsTestClients.queueName(queue))
                .attributes(Map.of(software.amazon.awssdk.services.sqs.model.QueueAttributeName.FIFO_QUEUE, "true")))
                .join().queueUrl();
        clients.sqs.sendMessage(r -> r.queueUrl(url).messageBody(text).messageAttributes(sqsAttributes)
                .messageGroupId(UUID.randomUUID().toString()).messageDeduplicationId(UUID.randomUUID().toString())).join();
    }

    @Override
    public void publishCloudEvent(String topic, String prefix, Map<String, String> attributes, byte[] data) throws Exception {
        Map<String, String> prefixed = new HashMap<>();
        attributes.forEach((name, value) -> prefixed.put(prefix + name, value));
        publishToTopic(topic, null, prefixed, data);
    }

    @Override
    public List<String> cloudEventsPrefixes() {
        return List.of("ce-", "ce_");
    }

    @Override
    public int largestBody() {
        return LARGEST_BODY;
    }

    @Override
    public boolean largestBodyIsTheBrokersLimit() {
        return true;
    }

    private void publishToTopic(String topic, String key, Map<String, String> attributes, byte[] body) {
        Map<String, String> all = new HashMap<>(attributes);
        String text = bodyText(body, all);
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> snsAttributes = new HashMap<>();
        all.forEach((name, value) -> snsAttributes.put(name, software.amazon.awssdk.services.sns.model.MessageAttributeValue
                .builder().dataType("String").stringValue(value).build()));
        String arn = clients.topicArn(topic);
        clients.sns.publish(r -> r.topicArn(arn).message(text).messageAttributes(snsAttributes)
                .messageGroupId(key != null ? key : UUID.randomUUID().toString())
                .messageDeduplicationId(UUID.randomUUID().toString())).join();
    }

    /** The body as SQS text: itself when it is text SQS takes, else its base64 (said in an attribute). */
    private static String bodyText(byte[] body, Map<String, String> attributes) {
        String text = AwsMessages.sqsText(body);
        if (text != null && !text.isEmpty()) {
            return text;
        }
        attributes.put(AwsMessages.ENCODING, AwsMessages.BASE64);
        return Base64.getEncoder().encodeToString(body);
    }

    @Override
    public void close() {
        clients.close();
    }
}

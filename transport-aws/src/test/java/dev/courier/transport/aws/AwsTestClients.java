package dev.courier.transport.aws;

import dev.courier.spi.Destination;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

import java.net.URI;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Plain SDK clients on the tests' emulator (or real AWS), for checks behind the transport's back.
 * Their event loops are their own and end without a quiet period at close, as the transport's do:
 * the SDK's shared ones made close wait 2 s.
 */
final class AwsTestClients implements AutoCloseable {

    final SnsAsyncClient sns;
    final SqsAsyncClient sqs;
    private final SdkEventLoopGroup eventLoops;
    private final SdkAsyncHttpClient http;

    AwsTestClients() {
        MotoServer.require();
        eventLoops = SdkEventLoopGroup.builder().build();
        http = NettyNioAsyncHttpClient.builder().eventLoopGroup(eventLoops).build();
        AwsCredentialsProvider credentials = MotoServer.REAL_AWS ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create("courier-test", "courier-test-key"));
        var snsBuilder = SnsAsyncClient.builder().region(Region.of(MotoServer.REGION)).credentialsProvider(credentials)
                .httpClient(http);
        var sqsBuilder = SqsAsyncClient.builder().region(Region.of(MotoServer.REGION)).credentialsProvider(credentials)
                .httpClient(http);
        if (!MotoServer.REAL_AWS) {
            snsBuilder.endpointOverride(URI.create(MotoServer.endpoint()));
            sqsBuilder.endpointOverride(URI.create(MotoServer.endpoint()));
        }
        this.sns = snsBuilder.build();
        this.sqs = sqsBuilder.build();
    }

    /** The SQS queue name of a Courier queue, as core maps it and the transport names it. */
    static String queueName(String courierName) {
        return AwsNames.queue(Destination.queue(AwsNames.RULE.map(courierName)), null);
    }

    /** The SNS topic name of a Courier topic. */
    static String topicName(String courierName) {
        return AwsNames.topic(Destination.topic(AwsNames.RULE.map(courierName)));
    }

    /** True when the queue (of a queue destination) or the topic exists. */
    boolean exists(Destination destination) {
        if (destination.isQueue()) {
            try {
                sqs.getQueueUrl(r -> r.queueName(queueName(destination.name()))).join();
                return true;
            } catch (CompletionException e) {
                if (e.getCause() instanceof QueueDoesNotExistException) {
                    return false;
                }
                throw e;
            }
        }
        String name = ":" + topicName(destination.name());
        java.util.concurrent.atomic.AtomicBoolean found = new java.util.concurrent.atomic.AtomicBoolean();
        sns.listTopicsPaginator(r -> { }).topics().subscribe(t -> {
            if (t.topicArn().endsWith(name)) {
                found.set(true);
            }
        }).join();
        return found.get();
    }

    /** The URL of an existing queue. */
    String queueUrl(String courierName) {
        return sqs.getQueueUrl(r -> r.queueName(queueName(courierName))).join().queueUrl();
    }

    /** The ARN of a topic, created if need be (idempotent, as the transport creates it). */
    String topicArn(String courierName) {
        return sns.createTopic(r -> r.name(topicName(courierName)).attributes(java.util.Map.of("FifoTopic", "true",
                "ContentBasedDeduplication", "false"))).join().topicArn();
    }

    @Override
    public void close() {
        sns.close();
        sqs.close();
        http.close();
        eventLoops.eventLoopGroup().shutdownGracefully(0, 5, TimeUnit.SECONDS);
    }
}

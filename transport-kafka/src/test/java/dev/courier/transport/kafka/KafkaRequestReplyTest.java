package dev.courier.transport.kafka;

import dev.courier.spi.Destination;
import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.RequestReplySuite;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Request/reply on the test broker: the reply queue is a temporary topic deleted through the
 * admin client when the bus closes.
 */
class KafkaRequestReplyTest extends RequestReplySuite {

    /** How long the probe lets a deleted topic linger in the broker's metadata. */
    private static final long METADATA_SETTLES_MILLIS = 5_000;

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected BrokerProbe probe() {
        return this::exists;
    }

    /**
     * Whether the topic of {@code destination} is listed by the admin client, and still is once a
     * deletion has had time to reach the broker's metadata.
     */
    private boolean exists(Destination destination) throws Exception {
        String topic = KafkaNames.topic(destination);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers()))) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(METADATA_SETTLES_MILLIS);
            while (true) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                if (!topics.contains(topic)) {
                    return false;
                }
                if (System.nanoTime() > deadline) {
                    return true;
                }
                Thread.sleep(200); // polling the broker's metadata, not synchronisation
            }
        }
    }
}

package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import org.junit.jupiter.api.Test;

class AwsNamesTest {

    @Test
    void topics_and_work_queues_are_fifo_names_of_their_own() {
        assertEquals("orders.fifo", AwsNames.topic(Destination.topic("orders")));
        assertEquals("jobs.fifo", AwsNames.queue(Destination.queue("jobs"), null));
    }

    @Test
    void a_groups_queue_joins_topic_and_group_with_an_underscore_no_courier_name_holds() {
        assertEquals("orders_billing.fifo", AwsNames.queue(Destination.topic("orders"), "billing"));
        assertTrue(AwsNames.RULE.map("orders_billing").indexOf('_') < 0, "core maps an underscore away");
    }

    @Test
    void a_groups_queue_too_long_for_sqs_ends_in_a_digest_and_fits() {
        String topic = "t".repeat(75);
        String a = AwsNames.queue(Destination.topic(topic), "g".repeat(75));
        String b = AwsNames.queue(Destination.topic(topic), "g".repeat(74));
        assertEquals(80, a.length());
        assertTrue(a.matches("[A-Za-z0-9_-]+\\.fifo"), a);
        assertNotEquals(a, b);
    }
}

package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.EventType;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.TypeRoutes;
import dev.courier.api.UnroutedTypeException;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EventTypesTest {

    record Placed(String orderId) {
    }

    @EventType("order.cancelled")
    record Cancelled(String orderId) {
    }

    @EventType("not valid!")
    record Misnamed(String orderId) {
    }

    private static final Destination ORDERS = Destination.topic("orders");

    private static Message<byte[]> message(String type, String json) {
        return new Message<>("m1", "orders", null, Map.of(), json.getBytes(StandardCharsets.UTF_8), "application/json",
                Instant.EPOCH, 1, type);
    }

    @Test
    void a_class_type_is_its_name_without_the_package_nested_classes_joined_by_a_dot() {
        assertEquals("EventTypesTest.Placed", EventTypeNames.of(Placed.class));
        assertEquals("EventTypesTest", EventTypeNames.of(EventTypesTest.class));
    }

    @Test
    void the_annotation_names_the_type() {
        assertEquals("order.cancelled", EventTypeNames.of(Cancelled.class));
    }

    @Test
    void an_invalid_annotation_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> EventTypeNames.of(Misnamed.class));
    }

    @Test
    void byte_arrays_strings_and_jdk_types_have_no_type() {
        assertNull(EventTypeNames.of(byte[].class));
        assertNull(EventTypeNames.of(String.class));
        assertNull(EventTypeNames.of(Map.of().getClass()));
        assertNull(EventTypeNames.of(new Object() { }.getClass()));
    }

    @Test
    void arrays_of_any_component_have_no_type() {
        assertNull(EventTypeNames.of(Placed[].class));
        assertNull(EventTypeNames.of(int[][].class));
    }

    @Test
    void the_type_is_worked_out_once_per_class() {
        assertTrue(EventTypeNames.of(Placed.class) == EventTypeNames.of(Placed.class));
    }

    @Test
    void cloud_events_type_is_the_envelope_type_or_else_the_destination_name() {
        Envelope untyped = new Envelope("m1", ORDERS, null, Map.of(), new byte[0], "text/plain", Instant.EPOCH);
        assertEquals("orders", CloudEvents.attributes(untyped).get(CloudEvents.TYPE));
        assertEquals("order.placed", CloudEvents.attributes(untyped.withType("order.placed")).get(CloudEvents.TYPE));
    }

    @Test
    void a_received_type_equal_to_the_destination_name_is_no_type() {
        assertNull(Envelope.receivedType("orders", ORDERS));
        assertNull(Envelope.receivedType(null, ORDERS));
        assertEquals("order.placed", Envelope.receivedType("order.placed", ORDERS));
    }

    @Test
    void the_router_decodes_into_the_class_of_the_route_of_the_message_type() throws Exception {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var router = TypeRouter.of(TypeRoutes.of(Placed.class, m -> seen.add(m.payload()))
                .and(Cancelled.class, m -> seen.add(m.payload())), true);

        router.handle(message("EventTypesTest.Placed", "{\"orderId\":\"o1\"}"));
        router.handle(message("order.cancelled", "{\"orderId\":\"o1\"}"));

        assertEquals(List.of(new Placed("o1"), new Cancelled("o1")), seen);
    }

    @Test
    void an_unrouted_type_fails_naming_the_type_by_default() {
        var router = TypeRouter.of(TypeRoutes.of(Placed.class, m -> { }), true);
        UnroutedTypeException e = assertThrows(UnroutedTypeException.class,
                () -> router.handle(message("order.cancelled", "{}")));
        assertTrue(e.getMessage().contains("'order.cancelled'"), e.getMessage());
        assertThrows(UnroutedTypeException.class, () -> router.handle(message(null, "{}")));
    }

    @Test
    void an_unrouted_type_is_acknowledged_when_chosen() throws Exception {
        var router = TypeRouter.of(TypeRoutes.of(Placed.class, m -> { }).otherwise(TypeRoutes.Unrouted.ACK), true);
        router.handle(message("order.cancelled", "{}"));
        router.handle(message(null, "{}"));
    }

    @Test
    void a_route_matches_a_foreign_type_outside_courier_s_name_rule() throws Exception {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var router = TypeRouter.of(TypeRoutes.of("com.example:order/placed v2", String.class, m -> seen.add(m.payload())), true);

        router.handle(message("com.example:order/placed v2", "{\"orderId\":\"o1\"}"));

        assertEquals(List.of("{\"orderId\":\"o1\"}"), seen);
        assertThrows(IllegalArgumentException.class, () -> TypeRouter.of(TypeRoutes.of(" ", String.class, m -> { }), true));
    }

    @Test
    void two_routes_for_one_type_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> TypeRouter.of(
                TypeRoutes.of(Cancelled.class, m -> { }).and("order.cancelled", String.class, m -> { }), true));
    }

    @Test
    void a_route_for_a_class_without_a_type_must_name_one() {
        assertThrows(IllegalArgumentException.class, () -> TypeRouter.of(TypeRoutes.of(String.class, m -> { }), true));
    }

    @Test
    void an_invalid_type_set_on_publish_is_refused_before_any_io() {
        try (MessageBus bus = MessageBus.connect("memory://types-" + UUID.randomUUID())) {
            assertThrows(IllegalArgumentException.class,
                    () -> bus.publish(OutgoingMessage.of("orders", "x").withType("no spaces")));
        }
    }

    @Test
    void a_type_reaches_the_handler_on_memory_and_a_type_equal_to_the_topic_is_none() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://types-" + UUID.randomUUID())) {
            List<Message<String>> seen = new CopyOnWriteArrayList<>();
            bus.subscribe("orders", "g", String.class, seen::add);
            bus.publish(OutgoingMessage.of("orders", "a").withType("order.note")).toCompletableFuture().join();
            bus.publish(OutgoingMessage.of("orders", "b").withType("orders")).toCompletableFuture().join();
            Eventually.await(() -> seen.size() == 2, java.time.Duration.ofSeconds(10), "both messages handled");
            assertEquals("order.note", seen.stream().filter(m -> m.payload().equals("a")).findFirst().orElseThrow().type());
            assertNull(seen.stream().filter(m -> m.payload().equals("b")).findFirst().orElseThrow().type());
        }
    }

    @Test
    void a_structured_cloud_event_brings_its_type() {
        String event = "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"/shop\",\"type\":\"order.placed\","
                + "\"data\":{\"orderId\":\"o1\"}}";
        Envelope envelope = new Envelope("m1", ORDERS, null, Map.of(), event.getBytes(StandardCharsets.UTF_8),
                "application/cloudevents+json", Instant.EPOCH);

        assertEquals("order.placed", StructuredCloudEvents.unwrap(envelope).type());
    }
}

package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.RemoteHandlerException;
import dev.courier.examples.OrderEvents.OrderPlaced;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checkout on a memory:// broker and an in-memory H2 of its own per test, with the relay not running: what it committed stays visible. */
class CheckoutTest {

    private final MessageBus bus = MessageBus.connect("memory://checkout-" + UUID.randomUUID());
    private final HikariDataSource database = new HikariDataSource();
    private Outbox outbox;
    private Checkout checkout;

    @BeforeEach
    void start() throws SQLException {
        database.setJdbcUrl("jdbc:h2:mem:checkout-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        outbox = Outbox.create(database, BusOptions.defaults(), OutboxOptions.defaults().withTable(Checkout.OUTBOX));
        Checkout.createTables(database, outbox);
        new PricingService().start(bus);
        checkout = new Checkout(bus, database, outbox);
    }

    @AfterEach
    void stop() {
        bus.close();
        database.close();
    }

    private long orders() throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + Checkout.ORDERS)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void an_order_is_priced_by_the_pricing_service_and_committed_with_its_event() throws Exception {
        OrderPlaced placed = checkout.place("order-1", "ada@example.com", "lamp", 2, "4242424242424242");

        assertEquals(2 * PricingService.PRICES.get("lamp"), placed.cents());
        assertEquals(1, orders());
        assertEquals(1, outbox.pending());
    }

    @Test
    void an_order_that_cannot_be_saved_leaves_no_event_behind() throws Exception {
        checkout.place("order-1", "ada@example.com", "mug", 1, "4242424242424242");

        assertThrows(SQLException.class, () -> checkout.place("order-1", "bob@example.com", "book", 1, "4242424242424242"));

        assertEquals(1, orders());
        assertEquals(1, outbox.pending());
    }

    @Test
    void an_item_pricing_refuses_is_neither_saved_nor_announced() throws Exception {
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> checkout.place("order-1", "ada@example.com", "unicorn", 1, "4242424242424242"));

        assertInstanceOf(RemoteHandlerException.class, refused.getCause());
        assertEquals(0, orders());
        assertEquals(0, outbox.pending());
    }
}

package dev.courier.examples;

import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.examples.OrderEvents.OrderPlaced;
import dev.courier.examples.OrderEvents.Quote;
import dev.courier.examples.OrderEvents.QuoteRequest;
import dev.courier.jdbc.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Places orders: asks pricing for a quote (request/reply), then saves the order and its
 * {@code OrderPlaced} in one transaction (the outbox), so billing hears of exactly the orders that
 * were saved, however the process dies. Thread safe.
 */
final class Checkout {

    static final String TOPIC = "orders";
    static final String ORDERS = "orders_app_orders";
    static final String OUTBOX = "orders_app_outbox";
    private static final Duration QUOTE_TIMEOUT = Duration.ofSeconds(15);

    private final MessageBus bus;
    private final DataSource database;
    private final Outbox outbox;

    Checkout(MessageBus bus, DataSource database, Outbox outbox) {
        this.bus = bus;
        this.database = database;
        this.outbox = outbox;
    }

    /** Creates the orders table (and the outbox's) if missing. */
    static void createTables(DataSource database, Outbox outbox) throws SQLException {
        outbox.createTables();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + ORDERS + " (id VARCHAR(64) PRIMARY KEY,"
                    + " customer VARCHAR(320) NOT NULL, sku VARCHAR(64) NOT NULL, quantity INT NOT NULL,"
                    + " cents BIGINT NOT NULL, created_at BIGINT NOT NULL)");
        }
    }

    /**
     * Quotes and places one order; returns the committed event. Blocks for the quote (at most
     * 15 s) and the transaction.
     *
     * @throws Exception the quote failed ({@code RequestTimeoutException}, {@code RemoteHandlerException}) or the database did
     */
    OrderPlaced place(String orderId, String customer, String sku, int quantity, String card) throws Exception {
        Message<Quote> quote = bus.request(OutgoingMessage.of(PricingService.TOPIC, new QuoteRequest(sku, quantity))
                .withKey(orderId), Quote.class, QUOTE_TIMEOUT).toCompletableFuture().get();
        OrderPlaced placed = new OrderPlaced(orderId, customer, sku, quantity, quote.payload().cents(), card);
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + ORDERS
                    + " (id, customer, sku, quantity, cents, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, orderId);
                insert.setString(2, customer);
                insert.setString(3, sku);
                insert.setInt(4, quantity);
                insert.setLong(5, placed.cents());
                insert.setLong(6, System.currentTimeMillis());
                insert.executeUpdate();
                outbox.publish(connection, OutgoingMessage.of(TOPIC, placed).withKey(orderId).withId(orderId));
                connection.commit(); // the order and its event, or neither
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        return placed;
    }
}

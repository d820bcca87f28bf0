package dev.courier.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.examples.OrderEvents.OrderPlaced;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import dev.courier.jdbc.OutboxRelay;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An order flow that uses every pattern: checkout asks pricing for a quote (request/reply) and
 * saves the order with its {@code OrderPlaced} in one transaction (outbox, relayed to the
 * broker); billing charges it (retried when the processor times out, dead-lettered when the card
 * is declined); a paid order's invoice is a job on a work queue, and the customer of an unpaid
 * order gets a payment reminder that the broker holds back until it is due (delayed delivery).
 * The app places {@code --count} orders, prints live progress and a summary, and exits with 1
 * when any order is unaccounted for.
 */
@Command(name = "orders", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Checkout, pricing (request/reply), outbox, billing (retries, dead letters), invoices (work queue),"
                + " payment reminders (delayed delivery).")
public final class OrdersApp extends AppOptions {

    int count = 40;
    int declineEvery = 10;
    int reminderDelay = 2;
    int timeout = 60;

    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "the orders database (default an in-memory H2), e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
    String db;

    @Option(names = "--count", paramLabel = "N", description = "orders to place (default 40)")
    void count(String value) {
        count = whole("--count", value, 1);
    }

    @Option(names = "--decline-every", paramLabel = "N",
            description = "every Nth order pays with a card that is always declined (default 10; 0 for none)")
    void declineEvery(String value) {
        declineEvery = whole("--decline-every", value, 0);
    }

    @Option(names = "--reminder-delay", paramLabel = "SECONDS",
            description = "a payment reminder for an unpaid order is due this long after its charge failed (default 2)")
    void reminderDelay(String value) {
        reminderDelay = whole("--reminder-delay", value, 0);
    }

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the flow to settle (default 60)")
    void timeout(String value) {
        timeout = whole("--timeout", value, 1);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the app as the other examples run; returns the exit code (0 ok, 1 something was lost, 2 error, 64 usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        OrdersApp app = new OrdersApp();
        app.out = out;
        return Main.execute(new CommandLine(app), args, out, err);
    }

    @Override
    int run(PrintStream out) throws Exception {
        String broker = broker();
        String url = db != null ? db : "jdbc:h2:mem:orders-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(url);
        pool.setMaximumPoolSize(10);
        PricingService pricing = new PricingService();
        BillingService billing = new BillingService();
        InvoiceWorker invoices = new InvoiceWorker();
        ReminderService reminders = new ReminderService(Duration.ofSeconds(reminderDelay));
        try (HikariDataSource database = new HikariDataSource(pool);
             MessageBus bus = MessageBus.connect(broker)) {
            Outbox outbox = Outbox.create(database, BusOptions.defaults(),
                    OutboxOptions.defaults().withTable(Checkout.OUTBOX).withPollInterval(Duration.ofMillis(50)));
            Checkout.createTables(database, outbox);
            out.println("orders on " + Main.redact(broker) + " and " + Main.redact(url).replaceAll("(?i)(password=)[^&;]*", "$1***")
                    + ": " + count + " orders, " + (declineEvery == 0 ? "no" : "every " + declineEvery + "th") + " card declined");
            pricing.start(bus);
            invoices.start(bus);
            reminders.start(bus);
            billing.start(bus, unpaid -> reminders.schedule(bus, unpaid));
            try (OutboxRelay relay = outbox.startRelay(bus)) {
                return drive(new Checkout(bus, database, outbox), billing, invoices, reminders);
            }
        }
    }

    private int drive(Checkout checkout, BillingService billing, InvoiceWorker invoices, ReminderService reminders)
            throws InterruptedException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> skus = new ArrayList<>(new TreeMap<>(PricingService.PRICES).keySet());
        Set<String> placed = ConcurrentHashMap.newKeySet();
        Set<String> declined = ConcurrentHashMap.newKeySet();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService shoppers = Executors.newFixedThreadPool(8);
        boolean settled;
        double elapsed;
        try (Progress progress = new Progress(out, () -> placed.size() + billing.charged().size() + invoices.invoiced().size())
                .counter("placed", placed::size)
                .counter("charged", () -> billing.charged().size())
                .counter("retried", () -> billing.retried().size())
                .counter("dead-lettered", () -> billing.deadLettered().size())
                .counter("invoiced", () -> invoices.invoiced().size())
                .counter("reminders due", () -> reminders.scheduled().size() - reminders.sent().size())
                .counter("reminded", () -> reminders.sent().size())
                .start()) {
            List<Future<?>> orders = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                String orderId = "order-" + run + "-" + n;
                boolean declines = declineEvery > 0 && (n + 1) % declineEvery == 0;
                orders.add(shoppers.submit(() -> {
                    try {
                        checkout.place(orderId, "customer" + n + "@example.com", skus.get(n % skus.size()), 1 + n % 3,
                                declines ? BillingService.DECLINED_CARD : "4242424242424242");
                        placed.add(orderId);
                        if (declines) {
                            declined.add(orderId);
                        }
                    } catch (Exception e) {
                        failures.add(orderId + ": " + (e instanceof ExecutionException ? e.getCause() : e));
                    }
                }));
            }
            for (Future<?> order : orders) {
                try {
                    order.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause().toString());
                }
            }
            Set<String> paid = ConcurrentHashMap.newKeySet();
            placed.stream().filter(id -> !declined.contains(id)).forEach(paid::add);
            settled = Expectation.await(() -> billing.charged().containsAll(paid)
                    && billing.deadLettered().keySet().containsAll(declined)
                    && invoices.invoiced().containsAll(paid)
                    && (reminders.unsupported() != null || reminders.sent().keySet().containsAll(declined)),
                    Duration.ofSeconds(timeout));
            elapsed = progress.elapsedSeconds();
        } finally {
            shoppers.shutdownNow();
        }
        long charged = placed.stream().filter(billing.charged()::contains).count();
        long retried = placed.stream().filter(billing.retried()::contains).count();
        long deadLettered = placed.stream().filter(billing.deadLettered()::containsKey).count();
        long invoiced = placed.stream().filter(invoices.invoiced()::contains).count();
        long reminded = placed.stream().filter(reminders.sent()::containsKey).count();
        long early = placed.stream().filter(id -> Boolean.FALSE.equals(reminders.sent().get(id))).count();
        out.printf("summary: orders %d, placed %d, charged %d (retried %d), dead-lettered %d, invoiced %d, %s, elapsed %.2fs%n",
                count, placed.size(), charged, retried, deadLettered, invoiced, reminders.unsupported() != null
                        ? "no reminders (" + reminders.unsupported() + ")"
                        : "reminded " + reminded + " (due " + reminders.delay().toSeconds() + "s after the failed charge, early " + early + ")",
                elapsed);
        placed.stream().filter(billing.deadLettered()::containsKey).sorted().limit(5)
                .forEach(id -> out.println("  dead letter " + id + ": " + billing.deadLettered().get(id)));
        if (!failures.isEmpty()) {
            throw new AppFailure(failures.size() + " checkout(s) failed, first: " + failures.get(0));
        }
        if (!settled) {
            throw new AppFailure("not every order was accounted for within " + timeout + "s: of " + placed.size()
                    + " placed, " + declined.size() + " with a declined card, " + charged + " were charged, "
                    + deadLettered + " dead-lettered, " + invoiced + " invoiced and " + reminded + " reminded");
        }
        return 0;
    }
}

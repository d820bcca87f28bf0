package dev.courier.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import dev.courier.jdbc.OutboxRelay;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The transactional outbox's cost: how many committed rows per second relays publish, and how
 * long a message takes from its transaction's commit to the handler. Prints Markdown rows.
 *
 * <pre>
 * java -cp benchmarks/target/courier-benchmarks.jar dev.courier.benchmarks.OutboxBenchmark \
 *     [--db jdbc:postgresql://127.0.0.1:5432/test?user=postgres] [--broker memory://] [--rows 20000]
 * </pre>
 */
@Command(name = "OutboxBenchmark", mixinStandardHelpOptions = true,
        description = "The outbox's relay throughput and commit-to-handler latency, as Markdown rows.")
public final class OutboxBenchmark implements Callable<Integer> {

    @Option(names = "--db", paramLabel = "JDBC-URL", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
            description = "The database (default: ${DEFAULT-VALUE}).")
    private String db;

    @Option(names = "--broker", paramLabel = "URL", defaultValue = "memory://outbox-benchmark",
            description = "The broker (default: ${DEFAULT-VALUE}).")
    private String broker;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "20000", description = "Rows drained per throughput case (default: ${DEFAULT-VALUE}).")
    private int rows;

    private OutboxBenchmark() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new OutboxBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db);
        config.setMaximumPoolSize(16);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            System.out.println("| database | broker | case | result |");
            System.out.println("| --- | --- | --- | ---: |");
            String name = dataSource.getConnection().getMetaData().getDatabaseProductName();
            for (int relays : new int[] {1, 4}) {
                double perSecond = throughput(dataSource, broker, rows, relays);
                System.out.printf("| %s | %s | %,d committed rows drained by %d relay(s) | %,.0f rows/s |%n",
                        name, broker.replaceAll("://.*", "://"), rows, relays, perSecond);
            }
            Histogram micros = latency(dataSource, broker, 500, Duration.ofMillis(20));
            System.out.printf("| %s | %s | commit to handler, 500 single-row transactions 20 ms apart | p50 %,d µs, p90 %,d µs, p99 %,d µs, max %,d µs |%n",
                    name, broker.replaceAll("://.*", "://"), micros.getValueAtPercentile(50), micros.getValueAtPercentile(90),
                    micros.getValueAtPercentile(99), micros.getMaxValue());
        }
        return 0;
    }

    /** Commits {@code rows} rows (100 per transaction, 100 keys), then times {@code relays} relays publishing them all. */
    private static double throughput(HikariDataSource dataSource, String broker, int rows, int relays) throws Exception {
        String table = "bench_outbox_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String topic = "bench-" + table.substring(13);
        Outbox outbox = Outbox.create(dataSource, BusOptions.defaults(), OutboxOptions.defaults().withTable(table));
        outbox.createTables();
        try (MessageBus bus = MessageBus.connect(broker)) {
            CountDownLatch handled = new CountDownLatch(rows);
            bus.subscribe(topic, "bench", byte[].class, message -> handled.countDown(),
                    ConsumerOptions.concurrency(4).withMaxInFlight(1024));
            byte[] payload = new byte[100];
            for (int from = 0; from < rows; from += 100) {
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    for (int i = from; i < Math.min(rows, from + 100); i++) {
                        outbox.publish(connection, OutgoingMessage.of(topic, payload).withKey("k" + i % 100));
                    }
                    connection.commit();
                }
            }
            long start = System.nanoTime();
            List<OutboxRelay> started = new ArrayList<>();
            for (int i = 0; i < relays; i++) {
                started.add(outbox.startRelay(bus));
            }
            if (!handled.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("not every row was handled");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            started.forEach(OutboxRelay::close);
            return rows / seconds;
        } finally {
            drop(dataSource, table);
        }
    }

    /** Commits {@code count} single-row transactions {@code gap} apart; returns commit-to-handler latencies in µs. */
    private static Histogram latency(HikariDataSource dataSource, String broker, int count, Duration gap) throws Exception {
        String table = "bench_outbox_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String topic = "bench-" + table.substring(13);
        Outbox outbox = Outbox.create(dataSource, BusOptions.defaults(),
                OutboxOptions.defaults().withTable(table).withPollInterval(Duration.ofMillis(50)));
        outbox.createTables();
        Map<String, Long> committedAt = new ConcurrentHashMap<>();
        Histogram micros = new ConcurrentHistogram(3);
        CountDownLatch all = new CountDownLatch(count);
        try (MessageBus bus = MessageBus.connect(broker); OutboxRelay relay = outbox.startRelay(bus)) {
            bus.subscribe(topic, "bench", byte[].class, message -> {
                long now = System.nanoTime();
                Long commit;
                while ((commit = committedAt.get(message.id())) == null) {
                    Thread.onSpinWait(); // the writer records the commit time a moment after commit returns
                }
                micros.recordValue(Math.max(0, (now - commit) / 1000));
                all.countDown();
            });
            for (int i = 0; i < count; i++) {
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    String id = UUID.randomUUID().toString();
                    outbox.publish(connection, OutgoingMessage.of(topic, new byte[100]).withId(id));
                    connection.commit();
                    committedAt.put(id, System.nanoTime());
                }
                LockSupport.parkNanos(gap.toNanos()); // a fixed pace, not synchronisation
            }
            if (!all.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("not every row was handled");
            }
        } finally {
            drop(dataSource, table);
        }
        return micros;
    }

    private static void drop(HikariDataSource dataSource, String table) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + table);
        }
    }
}

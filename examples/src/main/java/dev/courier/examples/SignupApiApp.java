package dev.courier.examples;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.jdbc.Inbox;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import dev.courier.jdbc.OutboxRelay;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Synchronous front, asynchronous back: an HTTP endpoint accepts signups, saving each user and
 * its {@code UserCreated} in one transaction (the outbox, in {@code --db}, an H2 file by default),
 * and a relay publishes the events; the email service (behind an inbox: once per event) and the
 * analytics service react behind the broker. By default the
 * app drives itself with {@code --count} requests (and two bad ones) and checks the outcome;
 * with {@code --serve} it keeps serving until stopped.
 */
final class SignupApiApp {

    /** The app's command line. */
    @Command(name = "signup-api", mixinStandardHelpOptions = true,
            description = {"HTTP front (POST /users), asynchronous back; drives itself with --count requests unless --serve;",
                    "the user and its event commit together (outbox), the email service runs each event once (inbox)"})
    static final class Options extends AppOptions {
        int count = 100;
        Integer port;
        int timeoutSeconds = 60;

        @Option(names = "--serve", description = "keep serving until stopped instead of driving itself")
        boolean serve;

        @Option(names = "--db", paramLabel = "JDBC-URL", description = "the application database (default: an H2 file)")
        String db;

        @Option(names = "--count", paramLabel = "N", description = "requests the app makes to itself (default 100)")
        void count(String value) {
            count = whole("--count", value, 0);
        }

        @Option(names = "--port", paramLabel = "N", description = "port to serve on (0 = any; default 0, 8080 with --serve)")
        void port(String value) {
            port = whole("--port", value, 0);
        }

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the services (default 60)")
        void timeout(String value) {
            timeoutSeconds = whole("--timeout", value, 1);
        }

        /**
         * The JDBC URL of the application database: {@code --db}, else an H2 file database under the
         * temporary directory (embedded, nothing to install).
         */
        String database() {
            return db != null ? db : "jdbc:h2:file:" + java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                    "courier-signup-api", "users").toAbsolutePath() + ";DB_CLOSE_DELAY=-1";
        }

        @Override
        int run(PrintStream out) throws Exception {
            return SignupApiApp.run(this, out);
        }
    }

    private static final Pattern MESSAGE_ID = Pattern.compile("\"messageId\":\"([^\"]+)\"");

    private SignupApiApp() {
    }

    static int run(Options options, PrintStream out) throws Exception {
        int count = options.count;
        int port = options.port != null ? options.port : options.serve ? 8080 : 0;
        Duration timeout = Duration.ofSeconds(options.timeoutSeconds);
        EmailService email = new EmailService();
        AnalyticsService analytics = new AnalyticsService();
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(options.database());
        pool.setMaximumPoolSize(16);
        try (HikariDataSource database = new HikariDataSource(pool);
             MessageBus bus = MessageBus.connect(options.broker());
             Inbox inbox = Inbox.create(database)) {
            Outbox outbox = Outbox.create(database, BusOptions.defaults(),
                    OutboxOptions.defaults().withPollInterval(Duration.ofMillis(50))); // PostgreSQL: woken by NOTIFY
            UserService.createTables(database, outbox);
            inbox.createTables();
            email.start(bus, inbox);
            analytics.start(bus);
            SignupEndpoint endpoint = new SignupEndpoint(new UserService(database, outbox));
            OutboxRelay relay = outbox.startRelay(bus);
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
            server.createContext("/users", endpoint);
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.start();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/users");
            out.println("signup-api on " + Main.redact(options.broker()) + " and "
                    + Main.redact(options.database()).replaceAll("(?i)(password=)[^&;]*", "$1***")
                    + ": POST " + uri);
            try {
                if (options.serve) {
                    out.println("try: curl -i -X POST " + uri + " -H 'Content-Type: application/json' -d '{\"email\":\"ada@example.com\"}'");
                    new CountDownLatch(1).await(); // until the process is stopped
                    return 0;
                }
                return drive(uri, count, timeout, endpoint, email, analytics, out);
            } finally {
                relay.close();
                server.stop(0);
                ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
            }
        }
    }

    private static int drive(URI uri, int count, Duration timeout, SignupEndpoint endpoint, EmailService email,
                             AnalyticsService analytics, PrintStream out) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Set<String> published = ConcurrentHashMap.newKeySet();
        AtomicInteger badAnswered = new AtomicInteger();
        List<String> unexpected = new ArrayList<>();
        boolean done;
        double elapsed;
        try (Progress progress = new Progress(out, () -> email.handled().size() + analytics.handled().size())
                .counter("accepted", endpoint.accepted::get)
                .counter("rejected", endpoint.rejected::get)
                .counter("email", () -> email.handled().size())
                .counter("analytics", () -> analytics.handled().size())
                .start()) {
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String body = SignupEndpoint.body(Map.of("email", "user" + i + "@example.com"));
                calls.add(post(client, uri, body).thenAccept(response -> {
                    Matcher id = MESSAGE_ID.matcher(response.body());
                    if (response.statusCode() == 202 && id.find()) {
                        published.add(id.group(1));
                    } else {
                        synchronized (unexpected) {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    }
                }));
            }
            for (String bad : List.of("{not json", "{\"email\": 42}")) {
                calls.add(post(client, uri, bad).thenAccept(response -> {
                    if (response.statusCode() == 400) {
                        badAnswered.incrementAndGet();
                    } else {
                        synchronized (unexpected) {
                            unexpected.add("bad input answered " + response.statusCode());
                        }
                    }
                }));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            done = Expectation.allHandled(published, timeout, email.handled(), analytics.handled());
            elapsed = progress.elapsedSeconds();
        }
        out.printf("summary: requests %d, accepted %d, rejected %d, published %d, email handled %d, analytics handled %d, elapsed %.2fs%n",
                count + 2, endpoint.accepted.get(), endpoint.rejected.get(), published.size(),
                published.size() - Expectation.missing(published, email.handled()),
                published.size() - Expectation.missing(published, analytics.handled()), elapsed);
        if (!unexpected.isEmpty()) {
            throw new AppFailure(unexpected.size() + " unexpected answer(s), first: " + unexpected.get(0));
        }
        if (badAnswered.get() != 2 || published.size() != count) {
            throw new AppFailure("expected " + count + " accepted and 2 rejected requests, got " + published.size()
                    + " and " + badAnswered.get());
        }
        if (!done) {
            throw new AppFailure("not every accepted signup was handled by both services within " + timeout.toSeconds() + "s");
        }
        return 0;
    }

    private static CompletableFuture<HttpResponse<String>> post(HttpClient client, URI uri, String body) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(SignupEndpoint.utf8(body))).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).exceptionally(failure -> {
            throw new UncheckedIOException(new IOException("request to " + uri + " failed: " + failure.getMessage(), failure));
        });
    }
}

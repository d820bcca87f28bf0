package dev.courier.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.TraceContext;
import dev.courier.examples.Events.UserCreated;
import dev.courier.examples.grpc.CreateUserRequest;
import dev.courier.examples.grpc.CreateUserResponse;
import dev.courier.examples.grpc.SignupGrpc;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import dev.courier.jdbc.OutboxRelay;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The user signup behind a gRPC front: {@code Signup/CreateUser} (Netty, plaintext) answers once
 * the {@code UserCreated} event is durably published, or committed with the user to the outbox
 * with {@code --db}; the plain example's email and analytics services react behind the broker.
 * By default the app drives itself with {@code --count} calls (every tenth retried with its
 * idempotency key, plus two invalid ones, each call with a trace of its own) and checks that every
 * service saw every user exactly once by event id and that each event continued its call's trace;
 * with {@code --serve} it serves until stopped.
 */
@Command(name = "signup-grpc", mixinStandardHelpOptions = true, sortOptions = false,
        description = "gRPC front (Signup/CreateUser), events behind it; drives itself unless --serve.")
public final class SignupGrpcApp extends AppOptions {

    /** The app's own group on {@code user.created}: checks that each event carries its caller's trace. */
    static final String AUDIT_GROUP = "signup-grpc-audit";

    Integer port;
    int count = 100;
    int timeout = 60;

    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "save each user and its event in one transaction (outbox), e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
    String db;
    @Option(names = "--serve", description = "serve until stopped instead of driving the app")
    boolean serve;

    @Option(names = "--port", paramLabel = "N", description = "port to serve on (default any free one; 9090 with --serve)")
    void port(String value) {
        port = whole("--port", value, 0);
    }

    @Option(names = "--count", paramLabel = "N", description = "calls the app makes to itself (default 100)")
    void count(String value) {
        count = whole("--count", value, 1);
    }

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the services (default 60)")
    void timeout(String value) {
        timeout = whole("--timeout", value, 1);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the app as the other examples run; returns the exit code (0 ok, 1 something was lost, 2 error, 64 usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        SignupGrpcApp app = new SignupGrpcApp();
        app.out = out;
        return Main.execute(new CommandLine(app), args, out, err);
    }

    @Override
    int run(PrintStream out) throws Exception {
        String broker = broker();
        EmailService email = new EmailService();
        AnalyticsService analytics = new AnalyticsService();
        HikariDataSource database = db == null ? null : pool(db);
        try (MessageBus bus = MessageBus.connect(broker)) {
            email.start(bus);
            analytics.start(bus);
            OutboxRelay relay = null;
            Signups signups = new Signups(bus);
            if (database != null) {
                Outbox outbox = Outbox.create(database, BusOptions.defaults(),
                        OutboxOptions.defaults().withTable(Signups.OUTBOX).withPollInterval(Duration.ofMillis(50)));
                Signups.createTables(database, outbox);
                signups = new Signups(database, outbox);
                relay = outbox.startRelay(bus);
            }
            SignupGrpcService service = new SignupGrpcService(signups);
            Server server = Grpc.newServerBuilderForPort(port != null ? port : serve ? 9090 : 0, InsecureServerCredentials.create())
                    .addService(service.withMetadata()).build().start();
            out.println("signup-grpc on " + Main.redact(broker) + (db == null ? "" : " and " + redactDb(db))
                    + ": Signup/CreateUser at 127.0.0.1:" + server.getPort());
            try {
                if (serve) {
                    out.println("try: grpcurl -plaintext -H 'idempotency-key: k-1' -d '{\"email\":\"ada@example.com\"}'"
                            + " -proto examples/signup-grpc/src/main/protobuf/signup.proto 127.0.0.1:" + server.getPort() + " courier.examples.signup.v1.Signup/CreateUser");
                    new CountDownLatch(1).await(); // until the process is stopped
                    return 0;
                }
                return drive(bus, server.getPort(), service, email, analytics);
            } finally {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                if (relay != null) {
                    relay.close();
                }
            }
        } finally {
            if (database != null) {
                database.close();
            }
        }
    }

    private int drive(MessageBus bus, int serverPort, SignupGrpcService service, EmailService email,
                      AnalyticsService analytics) throws InterruptedException {
        // the trace each first call sent, and the traces each event arrived with
        Map<String, String> sentTraces = new ConcurrentHashMap<>();
        Map<String, Set<String>> receivedTraces = new ConcurrentHashMap<>();
        bus.subscribe(UserService.TOPIC, AUDIT_GROUP, UserCreated.class, event -> TraceContext.of(event).ifPresent(trace ->
                receivedTraces.computeIfAbsent(event.id(), id -> ConcurrentHashMap.newKeySet()).add(trace.traceId())));
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", serverPort, InsecureChannelCredentials.create()).build();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Set<String> events = ConcurrentHashMap.newKeySet();
        AtomicInteger sameEventOnRetry = new AtomicInteger();
        AtomicInteger invalidAnswered = new AtomicInteger();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        boolean done;
        double elapsed;
        try (Progress progress = new Progress(out, () -> email.handled().size() + analytics.handled().size())
                .counter("created", service.created::get)
                .counter("email", () -> email.handled().size())
                .counter("analytics", () -> analytics.handled().size())
                .start()) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                calls.add(callers.submit(() -> {
                    String key = "signup-" + run + "-" + n;
                    try {
                        TraceContext trace = TraceContext.newTrace();
                        CreateUserResponse first = call(channel, "user" + n + "@example.com", key, trace);
                        sentTraces.put(first.getEventId(), trace.traceId());
                        events.add(first.getEventId());
                        if (n % 10 == 0) { // a client that lost the answer retries with the same key
                            CreateUserResponse retry = call(channel, "user" + n + "@example.com", key, TraceContext.newTrace());
                            if (retry.getEventId().equals(first.getEventId()) && retry.getUserId().equals(first.getUserId())) {
                                sameEventOnRetry.incrementAndGet();
                            } else {
                                unexpected.add("retry of " + key + " answered another user or event: " + retry);
                            }
                        }
                    } catch (StatusRuntimeException e) {
                        unexpected.add(key + ": " + e.getStatus());
                    }
                }));
            }
            for (String bad : List.of("not-an-email", "")) {
                calls.add(callers.submit(() -> {
                    try {
                        call(channel, bad, null, TraceContext.newTrace());
                        unexpected.add("'" + bad + "' was accepted");
                    } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                            invalidAnswered.incrementAndGet();
                        } else {
                            unexpected.add("'" + bad + "' answered " + e.getStatus());
                        }
                    }
                }));
            }
            for (Future<?> call : calls) {
                try {
                    call.get();
                } catch (ExecutionException e) {
                    unexpected.add(e.getCause().toString());
                }
            }
            done = Expectation.allHandled(events, Duration.ofSeconds(timeout), email.handled(), analytics.handled())
                    && Expectation.await(() -> continued(sentTraces, receivedTraces) == sentTraces.size(), Duration.ofSeconds(timeout));
            elapsed = progress.elapsedSeconds();
        } finally {
            callers.shutdownNow();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        int retries = (count + 9) / 10;
        out.printf("summary: calls %d, users %d, retries answered with the same event %d/%d, invalid %d,"
                        + " email handled %d, analytics handled %d, traces continued %d, elapsed %.2fs%n",
                count + retries + 2, events.size(), sameEventOnRetry.get(), retries, invalidAnswered.get(),
                events.size() - Expectation.missing(events, email.handled()),
                events.size() - Expectation.missing(events, analytics.handled()), continued(sentTraces, receivedTraces), elapsed);
        if (!unexpected.isEmpty()) {
            throw new AppFailure(unexpected.size() + " unexpected answer(s), first: " + unexpected.get(0));
        }
        if (events.size() != count || invalidAnswered.get() != 2 || sameEventOnRetry.get() != retries) {
            throw new AppFailure("expected " + count + " users, " + retries + " retries answered with the same event and 2"
                    + " invalid calls, got " + events.size() + ", " + sameEventOnRetry.get() + " and " + invalidAnswered.get());
        }
        if (!done) {
            throw new AppFailure("not every created user was handled by both services, with the caller's trace, within "
                    + timeout + "s");
        }
        return 0;
    }

    /** Events that arrived carrying the trace of the call that created them. */
    private static long continued(Map<String, String> sent, Map<String, Set<String>> received) {
        return sent.entrySet().stream()
                .filter(call -> received.getOrDefault(call.getKey(), Set.of()).contains(call.getValue())).count();
    }

    /** One CreateUser call with a 10 s deadline, an idempotency key (if given) and the caller's trace. */
    private static CreateUserResponse call(ManagedChannel channel, String email, String key, TraceContext trace) {
        Metadata metadata = new Metadata();
        if (key != null) {
            metadata.put(SignupGrpcService.IDEMPOTENCY_KEY, key);
        }
        metadata.put(SignupGrpcService.TRACEPARENT, trace.traceparent());
        return SignupGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .createUser(CreateUserRequest.newBuilder().setEmail(email).build());
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(12);
        return new HikariDataSource(config);
    }

    private static String redactDb(String url) {
        return Main.redact(url).replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}

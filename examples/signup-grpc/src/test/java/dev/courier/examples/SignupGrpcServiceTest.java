package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishException;
import dev.courier.api.PublishInterceptor;
import dev.courier.api.TraceContext;
import dev.courier.examples.Events.UserCreated;
import dev.courier.examples.grpc.CreateUserRequest;
import dev.courier.examples.grpc.CreateUserResponse;
import dev.courier.examples.grpc.SignupGrpc;
import dev.courier.jdbc.Outbox;
import dev.courier.jdbc.OutboxOptions;
import dev.courier.testkit.Inbox;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Signup service over gRPC's in-process transport, on a memory:// broker of its own per test. */
class SignupGrpcServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What the bus was asked to publish, and how the "broker" answers: confirm, refuse or never answer. */
    private final List<OutgoingMessage> published = new CopyOnWriteArrayList<>();
    private volatile String broker = "confirm";
    private final PublishInterceptor recorder = (message, next) -> {
        published.add(message);
        return switch (broker) {
            case "refuse" -> CompletableFuture.failedFuture(new PublishException("broker refused " + message.id()));
            case "silent" -> new CompletableFuture<>();
            default -> next.proceed(message);
        };
    };

    private final String brokerName = "memory://signup-grpc-" + UUID.randomUUID();
    private final MessageBus bus = MessageBus.connect(brokerName, BusOptions.defaults().withInterceptor(recorder));
    private final Inbox<UserCreated> events = new Inbox<>();
    private Server server;
    private ManagedChannel channel;
    private SignupGrpcService service;
    private HikariDataSource database;

    private SignupGrpc.SignupBlockingStub serve(Signups signups) throws Exception {
        bus.subscribe(UserService.TOPIC, "test", UserCreated.class, events);
        service = new SignupGrpcService(signups);
        String name = "signup-" + UUID.randomUUID();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(service.withMetadata()).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return SignupGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        bus.close();
        if (database != null) {
            database.close();
        }
    }

    private static CreateUserRequest request(String email) {
        return CreateUserRequest.newBuilder().setEmail(email).build();
    }

    private static SignupGrpc.SignupBlockingStub with(SignupGrpc.SignupBlockingStub stub, Metadata.Key<String> key, String value) {
        Metadata metadata = new Metadata();
        metadata.put(key, value);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }

    @Test
    void create_user_answers_once_the_user_created_event_is_published() throws Exception {
        SignupGrpc.SignupBlockingStub signup = serve(new Signups(bus));

        CreateUserResponse response = signup.createUser(request("ada@example.com"));

        var event = events.awaitMessage(m -> m.id().equals(response.getEventId()), WAIT, "the UserCreated event");
        assertEquals(response.getUserId(), event.payload().userId());
        assertEquals("ada@example.com", event.payload().email());
    }

    @Test
    void an_invalid_email_is_invalid_argument_and_publishes_nothing() throws Exception {
        SignupGrpc.SignupBlockingStub signup = serve(new Signups(bus));

        StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> signup.createUser(request("ada")));

        assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
        assertTrue(error.getStatus().getDescription().contains("email"), error.getStatus().getDescription());
        assertEquals(List.of(), published);
    }

    @Test
    void an_invalid_idempotency_key_is_invalid_argument() throws Exception {
        SignupGrpc.SignupBlockingStub signup = with(serve(new Signups(bus)), SignupGrpcService.IDEMPOTENCY_KEY, "no spaces please");

        StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
                () -> signup.createUser(request("ada@example.com")));

        assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
        assertEquals(List.of(), published);
    }

    @Test
    void a_publish_the_broker_refuses_is_unavailable() throws Exception {
        SignupGrpc.SignupBlockingStub signup = serve(new Signups(bus));
        broker = "refuse";

        StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
                () -> signup.createUser(request("ada@example.com")));

        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
        assertTrue(error.getStatus().getDescription().contains("retry with the same idempotency-key"),
                error.getStatus().getDescription());
    }

    @Test
    void the_call_deadline_caps_the_wait_for_the_broker() throws Exception {
        SignupGrpc.SignupBlockingStub signup = serve(new Signups(bus)); // the bus would wait 30 s for a confirmation
        broker = "silent";

        StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
                () -> signup.withDeadlineAfter(300, TimeUnit.MILLISECONDS).createUser(request("ada@example.com")));

        assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());
        // the server gave up at the call's deadline too, not at the bus's publish timeout
        assertTrue(Expectation.await(() -> service.unconfirmed.get() == 1, WAIT), "server still waiting for the broker");
    }

    @Test
    void the_traceparent_of_the_call_continues_in_the_event() throws Exception {
        TraceContext caller = TraceContext.newTrace();
        SignupGrpc.SignupBlockingStub signup = with(serve(new Signups(bus)), SignupGrpcService.TRACEPARENT, caller.traceparent());

        CreateUserResponse response = signup.createUser(request("ada@example.com"));

        var event = events.awaitMessage(m -> m.id().equals(response.getEventId()), WAIT, "the UserCreated event");
        TraceContext carried = TraceContext.of(event).orElseThrow();
        assertEquals(caller.traceId(), carried.traceId());
        assertNotEquals(caller.spanId(), carried.spanId());
    }

    @Test
    void a_retry_with_the_same_idempotency_key_publishes_the_same_event_for_the_same_user() throws Exception {
        SignupGrpc.SignupBlockingStub signup = with(serve(new Signups(bus)), SignupGrpcService.IDEMPOTENCY_KEY, "signup-42");

        CreateUserResponse first = signup.createUser(request("ada@example.com"));
        CreateUserResponse retry = signup.createUser(request("ada@example.com"));

        assertEquals("signup-42", first.getEventId());
        assertEquals(first, retry);
        events.awaitCount(2, WAIT);
        assertEquals(java.util.Set.of("signup-42"), events.ids()); // consumers see one event, delivered twice
    }

    @Test
    void with_a_database_a_retry_with_the_same_idempotency_key_stores_no_second_user_or_event() throws Exception {
        database = new HikariDataSource();
        database.setJdbcUrl("jdbc:h2:mem:signup-grpc-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Outbox outbox = Outbox.create(database, BusOptions.defaults(), OutboxOptions.defaults().withTable(Signups.OUTBOX));
        Signups.createTables(database, outbox);
        SignupGrpc.SignupBlockingStub signup = with(serve(new Signups(database, outbox)), SignupGrpcService.IDEMPOTENCY_KEY, "signup-7");

        CreateUserResponse first = signup.createUser(request("ada@example.com"));
        CreateUserResponse retry = signup.createUser(request("ada@example.com"));

        assertEquals(first, retry);
        assertEquals(1, outbox.pending());
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + Signups.USERS)) {
            rows.next();
            assertEquals(1, rows.getInt(1));
        }
        try (var relay = outbox.startRelay(bus)) {
            assertEquals("signup-7", events.awaitCount(1, WAIT).get(0).id());
        }
    }
}

package dev.courier.examples;

import dev.courier.api.PublishException;
import dev.courier.api.TraceContext;
import dev.courier.examples.grpc.CreateUserRequest;
import dev.courier.examples.grpc.CreateUserResponse;
import dev.courier.examples.grpc.SignupGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@code Signup} service: {@code CreateUser} answers once the user's {@code UserCreated}
 * is durably published (or committed to the outbox), so an OK means the event will reach the
 * services behind the broker.
 *
 * <ul>
 *   <li>a bad email or idempotency key: {@code INVALID_ARGUMENT}, nothing published;</li>
 *   <li>the broker did not confirm ({@code PublishException}, or the database failed):
 *       {@code UNAVAILABLE}, safe to retry with the same idempotency key;</li>
 *   <li>no confirmation before the call's deadline: {@code DEADLINE_EXCEEDED} at the deadline,
 *       not at the bus's longer publish timeout (the outcome is then unknown: retry with the
 *       same key);</li>
 *   <li>metadata {@code idempotency-key}: the event's id, so a retry creates no second user event;</li>
 *   <li>metadata {@code traceparent}/{@code tracestate}: the event continues that trace.</li>
 * </ul>
 *
 * <p>Never blocks a gRPC thread on the broker. Thread safe.
 */
final class SignupGrpcService extends SignupGrpc.SignupImplBase {

    /** Metadata key of the client's idempotency key (1 to 100 characters of {@code [A-Za-z0-9._:-]}). */
    static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of(TraceContext.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRACESTATE = Metadata.Key.of(TraceContext.TRACESTATE, Metadata.ASCII_STRING_MARSHALLER);

    private static final Logger log = LoggerFactory.getLogger(SignupGrpcService.class);
    private static final Context.Key<String> CALL_KEY = Context.key("idempotency-key");
    private static final Context.Key<TraceContext> CALL_TRACE = Context.key("trace");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private final Signups signups;
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger invalid = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger unconfirmed = new AtomicInteger();

    SignupGrpcService(Signups signups) {
        this.signups = signups;
    }

    /** This service behind the interceptor that reads the idempotency key and trace context from the call's metadata. */
    ServerServiceDefinition withMetadata() {
        ServerInterceptor metadata = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
                Context context = Context.current().withValue(CALL_KEY, headers.get(IDEMPOTENCY_KEY));
                String parent = headers.get(TRACEPARENT);
                if (parent != null) {
                    String state = headers.get(TRACESTATE);
                    Optional<TraceContext> trace = TraceContext.fromHeaders(
                            state == null ? Map.of(TraceContext.TRACEPARENT, parent)
                                    : Map.of(TraceContext.TRACEPARENT, parent, TraceContext.TRACESTATE, state));
                    context = context.withValue(CALL_TRACE, trace.orElse(null));
                }
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
        return ServerInterceptors.intercept(this, metadata);
    }

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<CreateUserResponse> responses) {
        // a call the client gave up on (deadline, cancel) is answered nowhere: don't fail on it
        ((ServerCallStreamObserver<CreateUserResponse>) responses).setOnCancelHandler(() -> { });
        String key = CALL_KEY.get();
        if (!EMAIL.matcher(request.getEmail()).matches()) {
            reject(responses, "email must be an e-mail address, was '" + request.getEmail() + "'");
            return;
        }
        if (key != null && !KEY.matcher(key).matches()) {
            reject(responses, "idempotency-key must be 1 to 100 characters of [A-Za-z0-9._:-]");
            return;
        }
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null && deadline.isExpired()) {
            unconfirmed.incrementAndGet();
            responses.onError(Status.DEADLINE_EXCEEDED.withDescription("deadline expired before the signup started")
                    .asRuntimeException());
            return;
        }
        CompletableFuture<Signups.Created> signup = signups.create(request.getEmail(), key,
                Optional.ofNullable(CALL_TRACE.get())).toCompletableFuture().copy();
        if (deadline != null) {
            // the bus's own publish timeout may be longer than the caller is willing to wait
            signup.orTimeout(deadline.timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
        }
        signup.whenComplete((done, failure) -> {
            if (failure == null) {
                created.incrementAndGet();
                responses.onNext(CreateUserResponse.newBuilder().setUserId(done.userId()).setEventId(done.eventId()).build());
                responses.onCompleted();
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) {
                unconfirmed.incrementAndGet();
                responses.onError(Status.DEADLINE_EXCEEDED.withDescription("the UserCreated event was not confirmed"
                        + " within the call's deadline; its outcome is unknown: retry with the same idempotency-key")
                        .asRuntimeException());
            } else {
                unavailable.incrementAndGet();
                log.warn("Signup not confirmed (idempotency-key {}): {}", key, cause.toString());
                String what = cause instanceof PublishException ? "the broker did not confirm the UserCreated event"
                        : "the user could not be saved";
                responses.onError(Status.UNAVAILABLE.withDescription(what + ", retry with the same idempotency-key: "
                        + cause.getMessage()).withCause(cause).asRuntimeException());
            }
        });
    }

    private void reject(StreamObserver<CreateUserResponse> responses, String reason) {
        invalid.incrementAndGet();
        responses.onError(Status.INVALID_ARGUMENT.withDescription(reason).asRuntimeException());
    }
}

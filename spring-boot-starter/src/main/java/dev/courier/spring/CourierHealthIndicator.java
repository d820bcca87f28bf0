package dev.courier.spring;

import dev.courier.api.HealthStatus;
import dev.courier.api.MessageBus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The bus's {@link MessageBus#health()} as an Actuator health indicator named {@code courier},
 * the worst of the connection and its subscriptions: {@code UP} while connected (also while a subscription is {@code DEGRADED}: messages still flow;
 * the detail says which), {@code OUT_OF_SERVICE} while reconnecting or closed, {@code DOWN} when
 * failed. Details: the Courier status, the transport and each subscription. Cheap (no I/O), so it
 * suits the readiness group. Thread safe.
 */
public final class CourierHealthIndicator implements HealthIndicator {

    private final MessageBus bus;

    /** Reports on {@code bus}. */
    public CourierHealthIndicator(MessageBus bus) {
        this.bus = bus;
    }

    @Override
    public Health health() {
        dev.courier.api.Health health = bus.health();
        Status worst = status(health.status());
        for (dev.courier.api.Health.SubscriptionHealth subscription : health.subscriptions()) {
            worst = worse(worst, status(subscription.status()));
        }
        Health.Builder builder = new Health.Builder(worst)
                .withDetail("status", health.status().name())
                .withDetail("transport", health.transport());
        if (health.detail() != null && !health.detail().isEmpty()) {
            builder.withDetail("detail", health.detail());
        }
        List<Map<String, Object>> subscriptions = health.subscriptions().stream().map(s -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", s.topic());
            if (s.group() != null) {
                row.put("group", s.group());
            }
            row.put("status", s.status().name());
            row.put("inFlight", s.inFlight());
            if (s.detail() != null && !s.detail().isEmpty()) {
                row.put("detail", s.detail());
            }
            return row;
        }).toList();
        return builder.withDetail("subscriptions", subscriptions).build();
    }

    private static Status worse(Status a, Status b) {
        List<Status> order = List.of(Status.DOWN, Status.OUT_OF_SERVICE, Status.UP);
        return order.indexOf(a) <= order.indexOf(b) ? a : b;
    }

    static Status status(HealthStatus status) {
        return switch (status) {
            case UP, DEGRADED -> Status.UP;
            case RECONNECTING, CLOSED -> Status.OUT_OF_SERVICE;
            case FAILED -> Status.DOWN;
        };
    }
}

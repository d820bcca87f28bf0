package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.api.HealthStatus;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

/** How Courier's health states map onto Actuator's. */
class CourierHealthIndicatorTest {

    @Test
    void upAndDegradedAreUpSinceMessagesStillFlow() {
        assertThat(CourierHealthIndicator.status(HealthStatus.UP)).isEqualTo(Status.UP);
        assertThat(CourierHealthIndicator.status(HealthStatus.DEGRADED)).isEqualTo(Status.UP);
    }

    @Test
    void reconnectingAndClosedAreOutOfService() {
        assertThat(CourierHealthIndicator.status(HealthStatus.RECONNECTING)).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(CourierHealthIndicator.status(HealthStatus.CLOSED)).isEqualTo(Status.OUT_OF_SERVICE);
    }

    @Test
    void failedIsDown() {
        assertThat(CourierHealthIndicator.status(HealthStatus.FAILED)).isEqualTo(Status.DOWN);
    }
}

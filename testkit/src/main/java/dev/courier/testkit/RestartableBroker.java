package dev.courier.testkit;

/**
 * A broker the conformance suite may stop and start again, for the restart scenario. It may be a
 * broker of its own (a separate process on a free port) so shared servers are not disturbed; it
 * must be running again when {@link #start()} returns and when the test ends.
 */
public interface RestartableBroker {

    /** The URL of this broker, for {@link dev.courier.api.MessageBus#connect(String)}. */
    String url();

    /** Stops the broker (or makes it unreachable); returns once it is down. */
    void stop() throws Exception;

    /** Starts the broker again; returns once it accepts connections. */
    void start() throws Exception;
}

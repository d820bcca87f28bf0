package dev.courier.cli;

/**
 * Help and usage errors of {@code courier} run as a JVM of its own (its {@code main}, its exit
 * code). The broker URL points where nothing listens: the answers come before any connection.
 */
class SubprocessCommandLineTest extends CommandLineSuite {

    @Override
    protected CommandRunner runner() {
        return CommandRunner.subprocess();
    }

    @Override
    protected String url() {
        return "nats://127.0.0.1:1";
    }
}

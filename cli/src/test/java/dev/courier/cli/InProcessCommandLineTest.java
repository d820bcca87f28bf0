package dev.courier.cli;

/** Help and usage errors of {@link Courier#run}, in this JVM. */
class InProcessCommandLineTest extends CommandLineSuite {

    @Override
    protected CommandRunner runner() {
        return CommandRunner.inProcess();
    }

    @Override
    protected String url() {
        return "memory://cli-tests";
    }
}

package dev.courier.cli;

/** Every command on {@code memory://}, in this JVM (the memory broker lives here). */
class MemoryCourierCommandTest extends CourierCommandSuite {

    @Override
    protected String url() {
        return "memory://cli-tests";
    }

    @Override
    protected CommandRunner runner() {
        return CommandRunner.inProcess();
    }
}

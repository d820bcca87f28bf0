package dev.courier.testkit;

/** Generated bad input on the reference transport; the crash scenario needs a broker outside the JVM. */
class MemoryReliabilityTest extends ReliabilitySuite {

    @Override
    protected String url() {
        return "memory://reliability";
    }

    @Override
    protected boolean brokerOutlivesConsumers() {
        return false;
    }
}

package dev.courier.transport.aws;

import dev.courier.testkit.CuttableProxy;
import dev.courier.testkit.RestartableBroker;

import java.io.IOException;

/**
 * "The broker" the restart and outage scenarios stop and start: the network to the emulator, cut
 * by a {@link CuttableProxy} ({@link #stop()} drops every connection and refuses new ones,
 * {@link #start()} lets them through again). moto keeps no state across a real restart, so this
 * is how the tests take SNS and SQS away without losing their queues.
 */
final class CuttingProxy implements RestartableBroker, AutoCloseable {

    private final CuttableProxy proxy;
    /** Options {@link #url()} adds ({@code a=b&c=d}), or empty. */
    private final String options;

    CuttingProxy(int target) throws IOException {
        this(target, "");
    }

    private CuttingProxy(int target, String options) throws IOException {
        this.proxy = new CuttableProxy("127.0.0.1", target);
        this.options = options;
    }

    /**
     * A proxy in front of the tests' moto_server, for a suite's restart scenario; {@code null}
     * against real AWS, whose network the tests cannot cut.
     */
    static CuttingProxy inFrontOfMotoOrNull() {
        return inFrontOfMotoOrNull("");
    }

    /** As {@link #inFrontOfMotoOrNull()}, with {@code options} ({@code a=b&c=d}) in its {@link #url()}. */
    static CuttingProxy inFrontOfMotoOrNull(String options) {
        if (MotoServer.REAL_AWS) {
            return null;
        }
        try {
            return new CuttingProxy(MotoServer.port(), options);
        } catch (IOException e) {
            throw new AssertionError("could not start a proxy in front of moto_server", e);
        }
    }

    @Override
    public String url() {
        return MotoServer.urlThrough(proxy.port()) + (options.isEmpty() ? "" : "&" + options);
    }

    @Override
    public void stop() {
        proxy.cut();
    }

    @Override
    public void start() {
        proxy.restore();
    }

    @Override
    public void close() throws IOException {
        proxy.close();
    }
}

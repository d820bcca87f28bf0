package dev.courier.cli;

import dev.courier.testkit.Brokers;
import java.net.URI;

/** Every command on NATS JetStream ({@code COURIER_NATS_URL} or the local server). */
class NatsCourierCommandTest extends BrokerCourierCommandSuite {

    private static final String URL = BrokerUrls.env("COURIER_NATS_URL", "nats://127.0.0.1:4222");

    @Override
    protected String url() {
        URI uri = URI.create(URL);
        Brokers.requireReachable("NATS", uri.getHost(), uri.getPort());
        return URL;
    }

    @Override
    protected String unreachableUrl() {
        return "nats://127.0.0.1:1";
    }
}

package dev.courier.cli;

import dev.courier.testkit.Brokers;
import java.net.URI;

/** Every command on RabbitMQ ({@code COURIER_AMQP_URL} or the local server). */
class RabbitMqCourierCommandTest extends BrokerCourierCommandSuite {

    private static final String URL = BrokerUrls.env("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/");

    @Override
    protected String url() {
        URI uri = URI.create(URL);
        Brokers.requireReachable("RabbitMQ", uri.getHost(), uri.getPort());
        return URL;
    }

    @Override
    protected String unreachableUrl() {
        return "amqp://guest:guest@127.0.0.1:1/";
    }
}

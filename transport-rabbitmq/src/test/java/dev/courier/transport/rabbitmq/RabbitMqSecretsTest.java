package dev.courier.transport.rabbitmq;

import dev.courier.testkit.SecretsSuite;
import java.util.List;

/** No password or secret option of an {@code amqp://} URL is ever shown. */
class RabbitMqSecretsTest extends SecretsSuite {

    private static final String PASSWORD = "Pw-s3cr3t-amqp";
    private static final String TRUST_STORE_PASSWORD = "Ts-s3cr3t-amqp";

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected List<String> urlsWithSecrets() {
        String broker = TestBroker.SETTINGS.hostAndPort();
        return List.of(
                // the broker refuses the password
                "amqp://guest:" + PASSWORD + "@" + broker + "/?trustStorePassword=" + TRUST_STORE_PASSWORD,
                // a working bus with a secret option
                TestBroker.URL + (TestBroker.URL.contains("?") ? "&" : "?") + "trustStorePassword=" + TRUST_STORE_PASSWORD,
                // nothing listens
                "amqp://app:" + PASSWORD + "@127.0.0.1:1/?connectTimeout=2s&trustStorePassword=" + TRUST_STORE_PASSWORD);
    }

    @Override
    protected List<String> secrets() {
        return List.of(PASSWORD, TRUST_STORE_PASSWORD);
    }
}

package dev.courier.transport.kafka;

import dev.courier.testkit.SecretsSuite;
import java.util.List;

/** No password, JAAS configuration or secret option of a {@code kafka://} URL is ever shown. */
class KafkaSecretsTest extends SecretsSuite {

    private static final String PASSWORD = "Pw-s3cr3t-kafka";
    private static final String JAAS_PASSWORD = "Jaas-s3cr3t-kafka";
    private static final String KEY_PASSWORD = "Key-s3cr3t-kafka";

    @Override
    protected List<String> urlsWithSecrets() {
        String servers = KafkaTestBroker.bootstrapServers();
        KafkaTestBroker.sharedUrl();
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule%20required%20username%3D%22u%22%20password%3D%22"
                + JAAS_PASSWORD + "%22%3B";
        return List.of(
                // working buses: the PLAINTEXT listener is given the secrets and uses none
                "kafka://ada:" + PASSWORD + "@" + servers + "?securityProtocol=PLAINTEXT&saslMechanism=PLAIN&sslKeyPassword="
                        + KEY_PASSWORD,
                "kafka://" + servers + "?securityProtocol=PLAINTEXT&kafka.sasl.jaas.config=" + jaas
                        + "&kafka.ssl.key.password=" + KEY_PASSWORD,
                // nothing listens
                "kafka://ada:" + PASSWORD + "@127.0.0.1:1?kafka.ssl.key.password=" + KEY_PASSWORD,
                "kafka://127.0.0.1:1?saslJaasConfig=" + jaas);
    }

    @Override
    protected List<String> secrets() {
        return List.of(PASSWORD, JAAS_PASSWORD, KEY_PASSWORD);
    }
}

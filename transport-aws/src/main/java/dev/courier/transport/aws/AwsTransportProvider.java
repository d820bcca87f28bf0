package dev.courier.transport.aws;

import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * {@code aws://}: AWS SNS and SQS.
 *
 * <p>URL: {@code aws://<region>[?option=value&...]}, such as {@code aws://eu-west-1}. Credentials
 * come from the AWS SDK's default chain (environment, system properties, profile, container or
 * instance role) unless given as options. Options, in the URL query or as
 * {@link dev.courier.api.BusOptions#transportOptions()}:
 * <ul>
 *   <li>{@code endpoint}: an endpoint for SNS and SQS instead of AWS's, such as an emulator's
 *       {@code http://127.0.0.1:5000};</li>
 *   <li>{@code accessKeyId}, {@code secretAccessKey}, {@code sessionToken}: credentials instead of
 *       the default chain (the secret and the token are masked everywhere);</li>
 *   <li>{@code visibilityTimeout}: how long SQS hides a received message before redelivering it,
 *       whole seconds, default {@code 30s}; Courier extends it while a handler runs;</li>
 *   <li>{@code waitTime}: how long one receive waits for messages (long polling), 0 to 20 s,
 *       default {@code 20s};</li>
 *   <li>{@code apiTimeout}: how long one API call, retries included, may take, default {@code 30s}.</li>
 * </ul>
 * An unknown option fails with {@link IllegalArgumentException}.
 */
public final class AwsTransportProvider implements TransportProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("aws");
    }

    @Override
    public Transport open(URI url, Map<String, String> options) {
        return AwsTransport.connect(AwsSettings.parse(url, options));
    }
}

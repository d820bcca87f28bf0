package dev.courier.transport.aws;

import dev.courier.spi.Durations;
import dev.courier.spi.Secrets;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.TransportOptions;
import dev.courier.spi.TransportUrl;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything an {@code aws://} URL and its options say, validated. Immutable. {@link #toString()}
 * and {@link #address()} never show the secret access key or the session token.
 *
 * @param region            the AWS region, the URL's host ({@code aws://eu-west-1})
 * @param endpoint          an endpoint to use for SNS and SQS instead of AWS's (an emulator), or {@code null}
 * @param accessKeyId       an access key id given as an option, or {@code null} for the SDK's default chain
 * @param secretAccessKey   its secret, or {@code null}; never printed
 * @param sessionToken      a session token for temporary credentials, or {@code null}; never printed
 * @param visibilityTimeout how long SQS hides a received message before redelivering it (whole seconds)
 * @param waitTime          how long one receive waits for messages (SQS long polling, whole seconds)
 * @param apiTimeout        how long one API call, retries included, may take
 * @param envelope          how messages carry the envelope's fields (option {@code envelope},
 *                          CloudEvents by default); receivers read both forms
 */
record AwsSettings(String region, URI endpoint, String accessKeyId, String secretAccessKey, String sessionToken,
                   Duration visibilityTimeout, Duration waitTime, Duration apiTimeout, EnvelopeForm envelope) {

    static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_WAIT_TIME = Duration.ofSeconds(20);
    static final Duration DEFAULT_API_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+|local");

    AwsSettings {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        Objects.requireNonNull(waitTime, "waitTime");
        Objects.requireNonNull(apiTimeout, "apiTimeout");
        Objects.requireNonNull(envelope, "envelope");
    }

    /**
     * Parses {@code url} ({@code aws://<region>[?options]}) with {@code options} (the URL's query
     * already merged in).
     *
     * @throws IllegalArgumentException naming the bad part (never a secret)
     */
    static AwsSettings parse(URI url, Map<String, String> options) {
        TransportUrl parsed = TransportUrl.parse(url, Map.of("aws", 443));
        parsed.requireNoPath();
        if (parsed.user() != null) {
            throw new IllegalArgumentException("an aws:// URL takes no credentials before the region ("
                    + parsed + "): give options accessKeyId and secretAccessKey, or leave them to the SDK's"
                    + " default chain (environment, profile, instance role)");
        }
        if (parsed.hosts().size() != 1 || url.getPort() != -1) {
            throw new IllegalArgumentException("an aws:// URL names one region and no port, such as aws://eu-west-1: " + parsed);
        }
        String region = parsed.host().host();
        if (!REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("'" + region + "' in " + parsed
                    + " is not an AWS region; write it like aws://us-east-1 or aws://eu-west-1");
        }
        TransportOptions given = new TransportOptions(parsed.scheme(), options);
        URI endpoint = given.string("endpoint").map(String::trim).map(text -> endpoint(given, text)).orElse(null);
        String accessKeyId = given.string("accessKeyId").orElse(null);
        String secretAccessKey = given.secret("secretAccessKey").orElse(null);
        String sessionToken = given.secret("sessionToken").orElse(null);
        Duration visibility = given.duration("visibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT, Duration.ofSeconds(1),
                Duration.ofHours(12));
        Duration wait = given.duration("waitTime", DEFAULT_WAIT_TIME, Duration.ZERO, Duration.ofSeconds(20));
        Duration apiTimeout = given.duration("apiTimeout", DEFAULT_API_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10));
        EnvelopeForm envelope = EnvelopeForm.of(given);
        given.requireAllKnown();
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw given.invalid(accessKeyId == null ? "secretAccessKey" : "accessKeyId",
                    "needs accessKeyId and secretAccessKey together");
        }
        if (sessionToken != null && accessKeyId == null) {
            throw given.invalid("sessionToken", "needs accessKeyId and secretAccessKey");
        }
        if (visibility.toMillis() % 1000 != 0) {
            throw given.invalid("visibilityTimeout", "SQS counts it in whole seconds");
        }
        if (wait.toMillis() % 1000 != 0) {
            throw given.invalid("waitTime", "SQS counts it in whole seconds");
        }
        return new AwsSettings(region, endpoint, accessKeyId, secretAccessKey, sessionToken, visibility, wait, apiTimeout,
                envelope);
    }

    private static URI endpoint(TransportOptions given, String text) {
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw given.invalid("endpoint", "must be a URL such as http://127.0.0.1:5000");
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw given.invalid("endpoint", "must be an http:// or https:// URL such as http://127.0.0.1:5000");
        }
        if (uri.getUserInfo() != null) {
            throw given.invalid("endpoint", "takes no credentials; give options accessKeyId and secretAccessKey");
        }
        return uri;
    }

    /** Where this connects, for messages: the region and endpoint, without credentials. */
    String address() {
        return "aws://" + region + (endpoint == null ? "" : " at " + endpoint);
    }

    /** The secret access key and session token given, for {@link #scrub}. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>(2);
        for (String secret : new String[] {secretAccessKey, sessionToken}) {
            if (secret != null && !secret.isEmpty()) {
                secrets.add(secret);
            }
        }
        return secrets;
    }

    /** {@code text} (an SDK message, say) with every secret of these settings masked. */
    String scrub(String text) {
        return Secrets.scrub(text, secrets());
    }

    /** The visibility timeout in SQS's whole seconds. */
    int visibilitySeconds() {
        return (int) visibilityTimeout.toSeconds();
    }

    @Override
    public String toString() {
        return "AwsSettings[" + address() + (accessKeyId != null ? ", accessKeyId " + accessKeyId + ", secretAccessKey "
                + Secrets.MASK : ", credentials from the default chain") + (sessionToken != null ? ", sessionToken " + Secrets.MASK : "")
                + ", visibilityTimeout=" + Durations.format(visibilityTimeout) + ", waitTime=" + Durations.format(waitTime)
                + ", apiTimeout=" + Durations.format(apiTimeout) + "]";
    }
}

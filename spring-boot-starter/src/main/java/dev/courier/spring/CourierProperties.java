package dev.courier.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code courier.*} properties: where the bus connects, its {@link dev.courier.api.BusOptions}
 * and the consumer defaults of {@link CourierListener} methods. Bound by Spring Boot at startup;
 * not meant to be changed afterwards.
 */
@ConfigurationProperties("courier")
public class CourierProperties {

    /** The broker URL: memory://, kafka://host:9092, amqp://user:pass@host:5672/vhost or nats://host:4222. */
    private String url = "memory://";

    /** How long a publish may wait for the broker's confirmation before its stage fails. */
    private Duration publishTimeout = Duration.ofSeconds(30);

    /** Options for the transport, the same as URL query parameters (which win over these). */
    private Map<String, String> transportOptions = new LinkedHashMap<>();

    /** Whether the JSON codec uses the application's Jackson 2 ObjectMapper bean, when there is one. */
    private boolean useApplicationObjectMapper = true;

    private final Consumer consumer = new Consumer();

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public Duration getPublishTimeout() {
        return publishTimeout;
    }

    public void setPublishTimeout(Duration publishTimeout) {
        this.publishTimeout = publishTimeout;
    }

    public Map<String, String> getTransportOptions() {
        return transportOptions;
    }

    public void setTransportOptions(Map<String, String> transportOptions) {
        this.transportOptions = transportOptions;
    }

    public boolean isUseApplicationObjectMapper() {
        return useApplicationObjectMapper;
    }

    public void setUseApplicationObjectMapper(boolean useApplicationObjectMapper) {
        this.useApplicationObjectMapper = useApplicationObjectMapper;
    }

    public Consumer getConsumer() {
        return consumer;
    }

    /**
     * Defaults of every {@link CourierListener} method (the annotation's attributes win over
     * them); they match {@link dev.courier.api.ConsumerOptions#defaults()}.
     */
    public static class Consumer {

        /** Handlers running at once per listener (never two for the same key). */
        private int concurrency = 1;

        /** Messages received and not yet settled per listener; default max(16, 4 x concurrency). */
        private Integer maxInFlight;

        /** Attempts per message before it is dead-lettered, the first included. */
        private int maxAttempts = 5;

        /** Backoff before the first retry; it doubles (with 20 % jitter) on each further one. */
        private Duration initialBackoff = Duration.ofMillis(100);

        /** The longest backoff between retries. */
        private Duration maxBackoff = Duration.ofSeconds(30);

        /** How long stopping a listener waits for its running handlers. */
        private Duration shutdownTimeout = Duration.ofSeconds(30);

        /** Whether JSON missing fields of the payload type is accepted (absent values null) instead of dead-lettered. */
        private boolean lenientDecoding;

        /** The name of an Executor bean that runs handlers, for example applicationTaskExecutor; default a pool per listener. */
        private String executor;

        public int getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(Integer maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public boolean isLenientDecoding() {
            return lenientDecoding;
        }

        public void setLenientDecoding(boolean lenientDecoding) {
            this.lenientDecoding = lenientDecoding;
        }

        public String getExecutor() {
            return executor;
        }

        public void setExecutor(String executor) {
            this.executor = executor;
        }
    }
}

package dev.courier.spi;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens a {@link Transport} from a broker URL, as {@code MessageBus.connect} does: finds the
 * {@link TransportProvider} for the URL's scheme on the classpath and merges the URL's query into
 * the options. For tools that work below the bus (the {@code courier} command line).
 */
public final class Transports {

    private Transports() {
    }

    /**
     * Opens the transport for {@code url}; the URL's query options win over {@code codeOptions}.
     *
     * @throws IllegalArgumentException when the URL is malformed or no provider has its scheme,
     *         naming the URL with its secrets masked
     * @throws dev.courier.api.ConnectionException when the broker cannot be reached
     */
    public static Transport open(String url, Map<String, String> codeOptions) {
        int separator = url.indexOf("://");
        if (separator <= 0) {
            throw new IllegalArgumentException("broker URL '" + redact(url)
                    + "' has no scheme; expected for example memory://, kafka://host:9092, amqp://host:5672, nats://host:4222");
        }
        String scheme = url.substring(0, separator).toLowerCase(Locale.ROOT);
        URI uri = parse(url, separator);
        Map<String, TransportProvider> providers = providers();
        TransportProvider provider = providers.get(scheme);
        if (provider == null) {
            throw new IllegalArgumentException("no transport for scheme '" + scheme + "' in '" + redact(url)
                    + "'; schemes on the classpath: " + providers.keySet()
                    + "; add the courier-transport module for your broker as a dependency");
        }
        Map<String, String> options = new LinkedHashMap<>(codeOptions);
        options.putAll(query(uri));
        return provider.open(uri, Map.copyOf(options));
    }

    private static URI parse(String url, int separator) {
        String rest = url.substring(separator + 3);
        try {
            // "memory://" has no authority, which URI rejects; "memory:///" means the same.
            return new URI(rest.isEmpty() || rest.startsWith("?") ? url.substring(0, separator) + ":///" + rest : url);
        } catch (URISyntaxException e) {
            String near = e.getIndex() >= 0 && e.getIndex() < url.length() ? redact(url).substring(
                    Math.min(e.getIndex(), redact(url).length() - 1)) : "";
            throw new IllegalArgumentException("malformed broker URL '" + redact(url) + "': " + e.getReason()
                    + (near.isEmpty() ? "" : " in '" + near + "'"));
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> options = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return options;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                // "=value" has no name; never echo the value, it may be a secret
                throw new IllegalArgumentException("malformed option '" + (eq < 0 ? pair : "=" + Secrets.MASK)
                        + "' in broker URL query; expected name=value");
            }
            options.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return options;
    }

    private static Map<String, TransportProvider> providers() {
        Map<String, TransportProvider> byScheme = new TreeMap<>();
        for (TransportProvider provider : ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader())) {
            for (String scheme : provider.schemes()) {
                byScheme.putIfAbsent(scheme.toLowerCase(Locale.ROOT), provider);
            }
        }
        return byScheme;
    }

    private static String redact(String url) {
        return Secrets.redact(url);
    }
}

package dev.courier.internal;

import dev.courier.spi.Secrets;
import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds the {@link TransportProvider} for a URL's scheme on the classpath and opens it. */
final class TransportRegistry {

    private TransportRegistry() {
    }

    static Transport open(String url, Map<String, String> codeOptions) {
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
        for (TransportProvider provider : ServiceLoader.load(TransportProvider.class, TransportRegistry.class.getClassLoader())) {
            for (String scheme : provider.schemes()) {
                byScheme.putIfAbsent(scheme.toLowerCase(Locale.ROOT), provider);
            }
        }
        return byScheme;
    }

    /** The URL with its password, token and secret options masked. */
    static String redact(String url) {
        return Secrets.redact(url);
    }
}

package dev.courier.testkit;

import dev.courier.spi.Capabilities;
import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/** What a transport states about itself ({@link Capabilities}), asked through its provider, so suites check exactly that. */
final class StatedCapabilities {

    private StatedCapabilities() {
    }

    /** The capabilities of the transport of {@code url}, with the options of its query. */
    static Capabilities of(String url) {
        URI uri = URI.create(url);
        Map<String, String> options = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                options.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        for (TransportProvider provider : ServiceLoader.load(TransportProvider.class)) {
            if (provider.schemes().contains(uri.getScheme())) {
                try (Transport transport = provider.open(uri, options)) {
                    return transport.capabilities();
                }
            }
        }
        throw new IllegalStateException("no transport on the classpath for " + uri.getScheme() + "://");
    }
}

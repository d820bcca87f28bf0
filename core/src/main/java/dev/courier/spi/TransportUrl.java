package dev.courier.spi;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The parts of a broker URL {@code scheme://[user[:password]@]host[:port][,host[:port]...][/path]},
 * read the same way by every transport: hosts with the scheme's default port, IPv6 literals in
 * brackets, user and password percent-decoded (a {@code +} stays a {@code +}: it means a space
 * only in HTML form data). The query is not read here: core has merged it into the options.
 * Immutable and thread safe; {@link #toString()} and every exception message mask the password.
 *
 * @param uri      the URL as given; never printed (use {@link #toString()})
 * @param scheme   the scheme, lower case
 * @param hosts    every host in the URL, in order, at least one
 * @param user     the decoded user-info before its first {@code :} (all of it without one), or {@code null}
 * @param password the decoded user-info after its first {@code :}, or {@code null} without one; never printed
 */
public record TransportUrl(URI uri, String scheme, List<Address> hosts, String user, String password) {

    /**
     * One {@code host:port} of a URL.
     *
     * @param host a host name or IP address; an IPv6 address without its brackets
     * @param port 1 to 65535
     */
    public record Address(String host, int port) {

        /** {@code host:port}, an IPv6 address in brackets: {@code [::1]:4222}. */
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Checks the parts; see {@link #parse}. */
    public TransportUrl {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(scheme, "scheme");
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a transport URL has at least one host");
        }
    }

    /**
     * Reads {@code url}, whose scheme must be one of {@code defaultPorts}' keys; a host without a
     * port gets its scheme's.
     *
     * @param url          the URL as core hands it to {@link TransportProvider#open}
     * @param defaultPorts the port of each scheme this transport takes, for example {@code amqp=5672, amqps=5671}
     * @throws IllegalArgumentException naming the bad part: another scheme, no host, an empty host
     *                                  in the list, a malformed host, a bad port, an empty user name
     *                                  or a malformed %-escape; never showing the password
     */
    public static TransportUrl parse(URI url, Map<String, Integer> defaultPorts) {
        Objects.requireNonNull(url, "url");
        String shown = Secrets.redact(url.toString());
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        Integer defaultPort = defaultPorts.get(scheme);
        if (defaultPort == null) {
            throw new IllegalArgumentException("URL '" + shown + "' has the scheme '" + scheme + "'; expected "
                    + String.join(" or ", new TreeSet<>(defaultPorts.keySet()).stream().map(s -> s + "://").toList()));
        }
        String expected = scheme + "://host:" + defaultPort;
        String authority = url.getRawAuthority();
        if (authority == null || authority.isBlank()) {
            throw new IllegalArgumentException("URL '" + shown + "' names no broker; expected " + expected);
        }
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon), "user name", shown);
            password = colon < 0 ? null : decode(info.substring(colon + 1), "password", shown);
            if (user.isEmpty()) {
                throw new IllegalArgumentException("URL '" + shown + "' has an empty user name before '@'");
            }
        }
        List<Address> hosts = new ArrayList<>();
        for (String server : authority.split(",", -1)) {
            hosts.add(address(server.trim(), defaultPort, shown));
        }
        return new TransportUrl(url, scheme, hosts, user, password);
    }

    private static Address address(String server, int defaultPort, String shown) {
        if (server.isEmpty()) {
            throw new IllegalArgumentException("URL '" + shown + "' has an empty broker address in its host list");
        }
        String host;
        String port;
        if (server.startsWith("[")) { // IPv6 literal: [::1]:4222
            int close = server.indexOf(']');
            String rest = close < 0 ? "" : server.substring(close + 1);
            if (close < 0 || !(rest.isEmpty() || rest.startsWith(":"))
                    || !server.substring(1, close).matches("[0-9A-Za-z:.%]+")) {
                throw new IllegalArgumentException("URL '" + shown + "' has a malformed IPv6 address: '" + server + "'");
            }
            host = server.substring(1, close);
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = server.lastIndexOf(':');
            host = colon < 0 ? server : server.substring(0, colon);
            port = colon < 0 ? null : server.substring(colon + 1);
            if (!host.matches("[A-Za-z0-9._~%-]+")) {
                throw new IllegalArgumentException("URL '" + shown + "' has a malformed host: '" + server + "'");
            }
        }
        int number = defaultPort;
        if (port != null) {
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("URL '" + shown + "' has a bad port '" + port + "' for host " + host
                        + " (1 to 65535)");
            }
        }
        return new Address(host, number);
    }

    /** Percent-decodes a user-info part; never echoes it, as it may be the password. */
    private static String decode(String raw, String what, String shown) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("URL '" + shown + "' has a malformed %-escape in the " + what
                    + "; write %25 for a '%'");
        }
    }

    /** The path as written (still percent-encoded), {@code ""} when the URL has none. */
    public String rawPath() {
        return uri.getRawPath() == null ? "" : uri.getRawPath();
    }

    /**
     * The only host, for a transport that connects to one broker.
     *
     * @throws IllegalArgumentException when the URL lists several
     */
    public Address host() {
        if (hosts.size() > 1) {
            throw new IllegalArgumentException("URL '" + this + "' lists " + hosts.size() + " hosts; " + scheme
                    + ":// takes one");
        }
        return hosts.get(0);
    }

    /** {@code host1:port1,host2:port2}, the form most broker clients take. */
    public String hostList() {
        return String.join(",", hosts.stream().map(Address::toString).toList());
    }

    /**
     * Checks that the URL has no path (or just {@code /}), for brokers without one.
     *
     * @throws IllegalArgumentException naming the path
     */
    public void requireNoPath() {
        String rawPath = rawPath();
        if (!rawPath.isEmpty() && !rawPath.equals("/")) {
            throw new IllegalArgumentException("URL '" + this + "' has a path ('" + rawPath + "'); a " + scheme
                    + ":// URL names brokers only: " + scheme + "://" + hostList() + "?options");
        }
    }

    /**
     * The path as one decoded name (a RabbitMQ virtual host, say): empty when the URL has no path
     * or just {@code /}; {@code /a%2Fb} is {@code a/b}.
     *
     * @param what what the name means, for messages ("virtual host")
     * @throws IllegalArgumentException when the path has more than one segment or a malformed %-escape
     */
    public Optional<String> pathName(String what) {
        String rawPath = rawPath();
        if (rawPath.isEmpty() || rawPath.equals("/")) {
            return Optional.empty();
        }
        String name = rawPath.substring(1);
        if (name.contains("/")) {
            throw new IllegalArgumentException("URL path must be one " + what + " name, URL-encoded: '" + rawPath
                    + "' (write %2F for a '/' inside the name)");
        }
        return Optional.of(decode(name, what, toString()));
    }

    /**
     * The password, or the lone user-info (which {@link Secrets#redact} treats as a token), each as
     * written and decoded: the values to {@link Secrets#scrub} from a broker client's messages.
     */
    public List<String> secrets() {
        String secret = password != null ? password : user;
        if (secret == null || secret.isEmpty()) {
            return List.of();
        }
        String info = uri.getRawAuthority().substring(0, uri.getRawAuthority().lastIndexOf('@'));
        String raw = password != null ? info.substring(info.indexOf(':') + 1) : info;
        return raw.equals(secret) ? List.of(secret) : List.of(secret, raw);
    }

    /** The URL with its password, token and secret options masked. */
    @Override
    public String toString() {
        return Secrets.redact(uri.toString());
    }
}

package dev.courier.spi;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which broker-URL parts and options are secret, and their masked forms. Every log line,
 * exception message, {@code toString()} and health detail that shows a URL or options goes
 * through here, so a password, token or secret option never leaves the process in clear.
 *
 * <p>An option is secret when its name (case-insensitive, any prefix such as {@code kafka.})
 * contains {@code password}, {@code passwd}, {@code secret}, {@code token}, {@code jaas},
 * {@code credential}, {@code apikey}, {@code api-key}, {@code api_key} or {@code private}.
 */
public final class Secrets {

    /** What a secret is shown as. */
    public static final String MASK = "***";

    private static final String[] SECRET_WORDS = {
            "password", "passwd", "secret", "token", "jaas", "credential", "apikey", "api-key", "api_key", "private"};
    /** The user-info of a URL: everything between "scheme://" and the last '@' before the host. */
    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#]*)@");
    private static final Pattern QUERY_OPTION = Pattern.compile("([?&;])([^=&;#]+)=([^&;#]*)");

    private Secrets() {
    }

    /** Whether an option of this name holds a secret. */
    public static boolean isSecret(String optionName) {
        String name = optionName.toLowerCase(Locale.ROOT);
        for (String word : SECRET_WORDS) {
            if (name.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code url} with its password (or a token given as the only user-info) and the values of its
     * secret query options replaced by {@link #MASK}; a user name stays visible. Works on any text
     * that starts with a URL, also one {@link java.net.URI} would reject.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String text = url;
        Matcher user = USER_INFO.matcher(text);
        if (user.find()) {
            String info = user.group(2);
            int colon = info.indexOf(':');
            String shown = colon >= 0 ? info.substring(0, colon) + ":" + MASK : MASK;
            text = user.group(1) + shown + "@" + text.substring(user.end());
        }
        int query = text.indexOf('?');
        if (query < 0) {
            return text;
        }
        Matcher option = QUERY_OPTION.matcher(text);
        StringBuilder out = new StringBuilder();
        int from = query;
        out.append(text, 0, query);
        while (option.find(from)) {
            out.append(text, from, option.start());
            out.append(option.group(1)).append(option.group(2)).append('=')
                    .append(isSecret(option.group(2)) ? MASK : option.group(3));
            from = option.end();
        }
        out.append(text.substring(from));
        return out.toString();
    }

    /** {@code options} in their order, the values of secret ones replaced by {@link #MASK}. */
    public static Map<String, String> redact(Map<String, String> options) {
        Map<String, String> shown = new LinkedHashMap<>();
        options.forEach((name, value) -> shown.put(name, isSecret(name) ? MASK : value));
        return shown;
    }

    /**
     * {@code text} with every occurrence of each non-blank secret in {@code secrets} replaced by
     * {@link #MASK}: for messages that come from a broker client and may quote what it was given.
     */
    public static String scrub(String text, Iterable<String> secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 3) {
                out = out.replace(secret, MASK);
            }
        }
        return out;
    }
}

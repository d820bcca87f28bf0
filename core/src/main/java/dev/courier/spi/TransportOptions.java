package dev.courier.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transport's options (the URL query merged with those given in code) read through typed
 * getters, so every transport reads, checks and reports them the same way.
 *
 * <p>Each getter takes the option's name and default, reads and checks the value, and throws
 * {@link IllegalArgumentException} naming the option and the bad value (masked when the option is
 * secret, see {@link Secrets#isSecret}). A getter also declares the option: once a transport has
 * asked for all of its options, {@link #requireAllKnown()} refuses any other given, listing the
 * known ones. {@link #renamed} keeps an old spelling working: its value is read as the new
 * option's, with one WARN naming the new spelling.
 *
 * <pre>{@code
 * TransportOptions options = new TransportOptions("amqp", given).renamed("prefetchCount", "prefetch");
 * int prefetch = options.integer("prefetch", 1000, 1, 65_535);
 * Duration timeout = options.duration("confirmTimeout", Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofHours(1));
 * options.requireAllKnown();
 * }</pre>
 *
 * <p>Not thread safe: one thread reads the options while it parses a URL, then drops this.
 */
public final class TransportOptions {

    private static final Logger log = LoggerFactory.getLogger(TransportOptions.class);

    private final String scheme;
    private final Map<String, String> given;
    private final Set<String> known = new LinkedHashSet<>();
    private final Set<String> prefixes = new LinkedHashSet<>();
    private final Map<String, Rename> renames = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private record Rename(String oldName, UnaryOperator<String> convert) {
    }

    /** What an option was given as: the name the user wrote and the value to read. */
    private record Given(String name, String value, String written) {
    }

    /**
     * @param scheme  the transport's scheme, for messages ({@code "amqp"})
     * @param options the options given to {@link TransportProvider#open}
     */
    public TransportOptions(String scheme, Map<String, String> options) {
        this.scheme = scheme;
        this.given = new LinkedHashMap<>();
        options.forEach((name, value) -> given.put(name, value == null ? "" : value));
    }

    /** Keeps {@code oldName} working as {@code newName}, same value; see {@link #renamed(String, String, UnaryOperator)}. */
    public TransportOptions renamed(String oldName, String newName) {
        return renamed(oldName, newName, UnaryOperator.identity());
    }

    /**
     * Keeps {@code oldName} working: when it is given, its value, converted by {@code convert}
     * (for example {@code v -> v + "ms"} for an old option counted in milliseconds), is read as
     * {@code newName}'s, and one WARN says to write {@code newName} instead. Giving both fails.
     * Errors about the value name the option and the value as the user wrote them.
     */
    public TransportOptions renamed(String oldName, String newName, UnaryOperator<String> convert) {
        renames.put(newName, new Rename(oldName, convert));
        return this;
    }

    /** Whether {@code name} (or its old spelling) was given, without declaring it. */
    public boolean has(String name) {
        Rename rename = renames.get(name);
        return given.containsKey(name) || (rename != null && given.containsKey(rename.oldName()));
    }

    /** The value as given (not trimmed), or empty. */
    public Optional<String> string(String name) {
        return lookup(name).map(Given::value);
    }

    /** The value as given (not trimmed), or {@code defaultValue}. */
    public String string(String name, String defaultValue) {
        return string(name).orElse(defaultValue);
    }

    /**
     * A secret value as given (passwords may start or end with blanks), or empty; it is masked in
     * {@link #toString()}, in every message of this class and in {@link Secrets#redact} of URLs.
     *
     * @throws IllegalArgumentException when {@code name} does not read as secret to
     *                                  {@link Secrets#isSecret}: core masks URLs before a transport
     *                                  sees them, by name, so a secret option must be named so
     */
    public Optional<String> secret(String name) {
        if (!Secrets.isSecret(name)) {
            throw new IllegalArgumentException("option " + name + " is not named as a secret: put password, secret,"
                    + " token or credential in its name, so every URL that carries it is masked (see Secrets)");
        }
        return string(name);
    }

    /** A whole number from {@code min} to {@code max}, or {@code defaultValue} when not given. */
    public int integer(String name, int defaultValue, int min, int max) {
        return (int) longValue(name, defaultValue, min, max);
    }

    /** A whole number from {@code min} to {@code max}, or {@code defaultValue} when not given. */
    public long longValue(String name, long defaultValue, long min, long max) {
        Optional<Given> option = lookup(name);
        if (option.isEmpty()) {
            return defaultValue;
        }
        long parsed;
        try {
            parsed = Long.parseLong(option.get().value().trim());
        } catch (NumberFormatException e) {
            throw invalid(option.get(), "must be a whole number");
        }
        if (parsed < min || parsed > max) {
            throw invalid(option.get(), "must be between " + min + " and " + max);
        }
        return parsed;
    }

    /** {@code true} or {@code false} in any case (not {@code yes}, {@code 1} or {@code on}), or {@code defaultValue}. */
    public boolean bool(String name, boolean defaultValue) {
        Optional<Given> option = lookup(name);
        if (option.isEmpty()) {
            return defaultValue;
        }
        String value = option.get().value().trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw invalid(option.get(), "must be true or false");
        }
        return value.equals("true");
    }

    /**
     * A duration in {@link Durations}' syntax from {@code min} to {@code max}, or
     * {@code defaultValue} (which may be {@code null}) when not given.
     */
    public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
        Optional<Given> option = lookup(name);
        if (option.isEmpty()) {
            return defaultValue;
        }
        Duration parsed;
        try {
            parsed = Durations.parse(option.get().value());
        } catch (IllegalArgumentException e) {
            throw invalid(option.get(), "must be " + e.getMessage());
        }
        if (parsed.compareTo(min) < 0) {
            throw invalid(option.get(), "must be at least " + Durations.format(min));
        }
        if (parsed.compareTo(max) > 0) {
            throw invalid(option.get(), "must be at most " + Durations.format(max));
        }
        return parsed;
    }

    /** One of {@code type}'s constants, written as its name in any case ({@code quorum}), or {@code defaultValue}. */
    public <E extends Enum<E>> E choice(String name, E defaultValue) {
        Class<E> type = defaultValue.getDeclaringClass();
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        return choice(name, names).map(chosen -> type.getEnumConstants()[names.indexOf(chosen)]).orElse(defaultValue);
    }

    /** One of {@code allowed} (lower case), written in any case and returned as listed, or empty when not given. */
    public Optional<String> choice(String name, List<String> allowed) {
        Optional<Given> option = lookup(name);
        if (option.isEmpty()) {
            return Optional.empty();
        }
        String value = option.get().value().trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(value)) {
            throw invalid(option.get(), "must be one of " + String.join(", ", allowed));
        }
        return Optional.of(value);
    }

    /**
     * Every option whose name starts with {@code prefix}, by full name in name order, for a
     * transport that passes settings through to its broker client ({@code kafka.linger.ms}).
     * Declares them all.
     */
    public Map<String, String> prefixed(String prefix) {
        prefixes.add(prefix);
        Map<String, String> found = new TreeMap<>();
        given.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                found.put(name, value);
            }
        });
        return found;
    }

    /**
     * The exception for an option whose value breaks a rule the getters do not know, in the
     * same words: {@code option trustStore needs amqps://, not amqp://: '/etc/ts.p12'}.
     */
    public IllegalArgumentException invalid(String name, String rule) {
        return lookup(name).map(option -> invalid(option, rule))
                .orElseGet(() -> new IllegalArgumentException("option " + name + " " + rule));
    }

    /**
     * Refuses options no getter asked for: a typo must not be ignored silently.
     *
     * @throws IllegalArgumentException naming the first unknown option and listing the known ones
     */
    public void requireAllKnown() {
        for (String name : given.keySet()) {
            boolean isKnown = known.contains(name) || prefixes.stream().anyMatch(name::startsWith)
                    || renames.entrySet().stream().anyMatch(r -> r.getValue().oldName().equals(name)
                            && known.contains(r.getKey()));
            if (!isKnown) {
                List<String> names = new ArrayList<>(known);
                prefixes.forEach(prefix -> names.add(prefix + "*"));
                throw new IllegalArgumentException("unknown option '" + name + "' for " + scheme + "://; known: "
                        + String.join(", ", names));
            }
        }
    }

    /**
     * Every non-blank value of a secret option given: what to {@link Secrets#scrub} from a broker
     * client's messages.
     */
    public List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        given.forEach((name, value) -> {
            if (Secrets.isSecret(name) && !value.isBlank()) {
                secrets.add(value);
            }
        });
        return secrets;
    }

    /** The warnings logged for old spellings, in order, for tests and health details. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** {@code amqp options {prefetch=10, trustStorePassword=***}}: the options given, secrets masked. */
    @Override
    public String toString() {
        return scheme + " options " + Secrets.redact(given);
    }

    private Optional<Given> lookup(String name) {
        known.add(name);
        Rename rename = renames.get(name);
        boolean old = rename != null && given.containsKey(rename.oldName());
        if (given.containsKey(name)) {
            if (old) {
                throw new IllegalArgumentException("options " + rename.oldName() + " and " + name + " are the same"
                        + " option (" + rename.oldName() + " is its old name); give only " + name);
            }
            String value = given.get(name);
            return Optional.of(new Given(name, value, value));
        }
        if (!old) {
            return Optional.empty();
        }
        String written = given.get(rename.oldName());
        String value = rename.convert().apply(written.trim());
        if (warnings.stream().noneMatch(w -> w.startsWith("option " + rename.oldName() + " "))) {
            String warning = "option " + rename.oldName() + " of " + scheme + ":// is deprecated; write " + name + "="
                    + (Secrets.isSecret(name) || Secrets.isSecret(rename.oldName()) ? Secrets.MASK : value) + " instead";
            warnings.add(warning);
            log.warn(warning);
        }
        return Optional.of(new Given(rename.oldName() + " (now " + name + ")", value, written));
    }

    private static IllegalArgumentException invalid(Given option, String rule) {
        String shown = Secrets.isSecret(option.name()) ? Secrets.MASK : option.written();
        return new IllegalArgumentException("option " + option.name() + " " + rule + ": '" + shown + "'");
    }
}

package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TransportOptionsTest {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration DAY = Duration.ofDays(1);

    enum QueueType { CLASSIC, QUORUM }

    private static TransportOptions options(String... pairs) {
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return new TransportOptions("test", map);
    }

    private static String refusal(TransportOptions options, Consumer<TransportOptions> read) {
        return assertThrows(IllegalArgumentException.class, () -> read.accept(options)).getMessage();
    }

    @Test
    void an_option_not_given_has_its_default() {
        TransportOptions options = options();
        assertEquals(7, options.integer("n", 7, 1, 10));
        assertEquals(Duration.ofSeconds(5), options.duration("d", Duration.ofSeconds(5), MS, DAY));
        assertTrue(options.bool("b", true));
        assertEquals(QueueType.CLASSIC, options.choice("queueType", QueueType.CLASSIC));
        assertEquals("x", options.string("s", "x"));
        assertEquals(Optional.empty(), options.secret("somePassword"));
    }

    @Test
    void every_type_is_read() {
        TransportOptions options = options("n", " 3 ", "big", "5000000000", "d", "2m", "b", "FALSE",
                "queueType", "Quorum", "compression", "ZSTD", "name", " as given ", "trustStorePassword", " pw ");
        assertEquals(3, options.integer("n", 1, 1, 10));
        assertEquals(5_000_000_000L, options.longValue("big", 1, 1, Long.MAX_VALUE));
        assertEquals(Duration.ofMinutes(2), options.duration("d", null, MS, DAY));
        assertFalse(options.bool("b", true));
        assertEquals(QueueType.QUORUM, options.choice("queueType", QueueType.CLASSIC));
        assertEquals(Optional.of("zstd"), options.choice("compression", List.of("none", "zstd")));
        assertEquals(" as given ", options.string("name", null));
        assertEquals(Optional.of(" pw "), options.secret("trustStorePassword"));
    }

    @Test
    void a_number_outside_its_range_is_refused_naming_the_option_range_and_value() {
        assertEquals("option prefetch must be between 1 and 65535: '0'",
                refusal(options("prefetch", "0"), o -> o.integer("prefetch", 1, 1, 65_535)));
        assertEquals("option prefetch must be a whole number: 'ten'",
                refusal(options("prefetch", "ten"), o -> o.integer("prefetch", 1, 1, 65_535)));
    }

    @Test
    void a_duration_outside_its_range_or_in_another_syntax_is_refused_naming_the_option() {
        assertEquals("option ackWait must be at least 1ms: '0s'",
                refusal(options("ackWait", "0s"), o -> o.duration("ackWait", null, MS, DAY)));
        assertEquals("option ackWait must be at most 1d: '25h'",
                refusal(options("ackWait", "25h"), o -> o.duration("ackWait", null, MS, DAY)));
        String bare = refusal(options("ackWait", "30"), o -> o.duration("ackWait", null, MS, DAY));
        assertTrue(bare.startsWith("option ackWait must be a duration") && bare.endsWith(": '30'"), bare);
    }

    @Test
    void a_boolean_is_true_or_false_and_nothing_else() {
        for (String bad : new String[] {"yes", "1", "on", ""}) {
            assertEquals("option tls must be true or false: '" + bad + "'",
                    refusal(options("tls", bad), o -> o.bool("tls", false)));
        }
    }

    @Test
    void a_choice_outside_the_allowed_values_is_refused_listing_them() {
        assertEquals("option queueType must be one of classic, quorum: 'stream'",
                refusal(options("queueType", "stream"), o -> o.choice("queueType", QueueType.CLASSIC)));
    }

    @Test
    void an_unknown_option_is_refused_naming_it_and_listing_the_known_ones() {
        TransportOptions options = options("prefech", "10", "kafka.acks", "1");
        options.integer("prefetch", 1, 1, 10);
        options.prefixed("kafka.");
        assertEquals("unknown option 'prefech' for test://; known: prefetch, kafka.*",
                refusal(options, TransportOptions::requireAllKnown));
    }

    @Test
    void options_under_a_prefix_are_returned_by_full_name_and_known() {
        TransportOptions options = options("kafka.b", "2", "kafka.a", "1", "other", "x");
        assertEquals(Map.of("kafka.a", "1", "kafka.b", "2"), options.prefixed("kafka."));
        options.string("other");
        options.requireAllKnown();
    }

    @Test
    void an_old_spelling_is_read_as_the_new_option_with_one_warning_naming_it() {
        Logger logger = (Logger) LoggerFactory.getLogger(TransportOptions.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        Level level = logger.getLevel();
        logger.setLevel(Level.WARN);
        try {
            TransportOptions options = options("connectTimeoutMs", "2500")
                    .renamed("connectTimeoutMs", "connectTimeout", millis -> millis + "ms");
            assertEquals(Duration.ofMillis(2500), options.duration("connectTimeout", null, MS, DAY));
            assertEquals(Duration.ofMillis(2500), options.duration("connectTimeout", null, MS, DAY));
            options.requireAllKnown();
            assertEquals(List.of("option connectTimeoutMs of test:// is deprecated; write connectTimeout=2500ms instead"),
                    options.warnings());
            assertEquals(1, appender.list.size());
            assertEquals(Level.WARN, appender.list.get(0).getLevel());
            assertEquals(options.warnings().get(0), appender.list.get(0).getFormattedMessage());
        } finally {
            logger.setLevel(level);
            logger.detachAppender(appender);
        }
    }

    @Test
    void a_bad_value_under_an_old_spelling_is_refused_as_written() {
        TransportOptions options = options("connectTimeoutMs", "soon")
                .renamed("connectTimeoutMs", "connectTimeout", millis -> millis + "ms");
        String message = refusal(options, o -> o.duration("connectTimeout", null, MS, DAY));
        assertTrue(message.startsWith("option connectTimeoutMs (now connectTimeout) must be"), message);
        assertTrue(message.endsWith(": 'soon'"), message);
    }

    @Test
    void giving_an_option_under_both_spellings_is_refused() {
        TransportOptions options = options("connectTimeoutMs", "1", "connectTimeout", "1s")
                .renamed("connectTimeoutMs", "connectTimeout");
        assertTrue(refusal(options, o -> o.string("connectTimeout")).contains("give only connectTimeout"));
    }

    @Test
    void a_secret_value_never_appears_in_to_string_refusals_or_warnings() {
        String secret = "S3cret-Value";
        TransportOptions options = options("apiToken", secret, "oldPassword", secret, "partitions", "3")
                .renamed("oldPassword", "keyPassword");
        assertEquals("test options {apiToken=***, oldPassword=***, partitions=3}", options.toString());
        assertEquals("option apiToken must be a whole number: '***'",
                refusal(options, o -> o.integer("apiToken", 1, 1, 10)));
        assertEquals("option apiToken must be one of a, b: '***'",
                refusal(options, o -> o.choice("apiToken", List.of("a", "b"))));
        assertEquals(Optional.of(secret), options.secret("keyPassword"));
        assertFalse(options.warnings().get(0).contains(secret), options.warnings().get(0));
        assertFalse(options.invalid("apiToken", "is refused").getMessage().contains(secret));
        assertEquals(List.of(secret, secret), options.secrets());
    }

    @Test
    void a_secret_option_must_be_named_so_that_urls_carrying_it_are_masked() {
        assertTrue(refusal(options(), o -> o.secret("signingKey")).contains("not named as a secret"));
    }

    @Test
    void a_rule_the_getters_do_not_know_is_reported_in_the_same_words() {
        TransportOptions options = options("trustStore", "/etc/ts.p12");
        assertEquals("option trustStore needs amqps://: '/etc/ts.p12'",
                options.invalid("trustStore", "needs amqps://").getMessage());
    }
}

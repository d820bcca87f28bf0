package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TransportUrlTest {

    private static final Map<String, Integer> PORTS = Map.of("amqp", 5672, "amqps", 5671);

    private static TransportUrl parse(String url) {
        return TransportUrl.parse(URI.create(url), PORTS);
    }

    private static String refusal(String url) {
        return assertThrows(IllegalArgumentException.class, () -> parse(url)).getMessage();
    }

    @Test
    void hosts_without_a_port_get_the_default_port_of_their_scheme() {
        assertEquals(List.of(new TransportUrl.Address("h1", 5673), new TransportUrl.Address("h2", 5672)),
                parse("amqp://h1:5673,h2").hosts());
        assertEquals(new TransportUrl.Address("h", 5671), parse("amqps://h").host());
        assertEquals("amqps", parse("AMQPS://h").scheme());
    }

    @Test
    void an_ipv6_host_is_held_without_brackets_and_shown_with_them() {
        TransportUrl.Address address = parse("amqp://[::1]:5673").host();
        assertEquals("::1", address.host());
        assertEquals("[::1]:5673", address.toString());
        assertEquals("h:1,h2:5672", parse("amqp://h:1,h2").hostList());
    }

    @Test
    void user_and_password_are_percent_decoded() {
        TransportUrl url = parse("amqp://us%40er:p%3Ass%25w@h");
        assertEquals("us@er", url.user());
        assertEquals("p:ss%w", url.password());
    }

    @Test
    void a_plus_in_the_password_stays_a_plus_and_never_becomes_a_space() {
        assertEquals("a+b+c", parse("amqp://u:a+b%2Bc@h").password());
    }

    @Test
    void a_lone_user_info_is_the_user_with_no_password() {
        TransportUrl url = parse("amqp://t0ken@h");
        assertEquals("t0ken", url.user());
        assertNull(url.password());
    }

    @Test
    void the_password_never_shows_in_to_string_or_a_refusal() {
        assertFalse(parse("amqp://u:Pw+S3cret@h/v").toString().contains("S3cret"));
        for (String bad : new String[] {"amqp://u:Pw+S3cret@h:99999", "amqp://u:Pw+S3cret@h,,x",
                "kafka://u:Pw+S3cret@h", "amqp://u:Pw+S3cret@h/a/b?x=1"}) {
            String message = assertThrows(IllegalArgumentException.class,
                    () -> parse(bad).pathName("virtual host")).getMessage();
            assertFalse(message.contains("S3cret"), message);
        }
    }

    @Test
    void secrets_are_the_password_as_decoded_and_as_written() {
        assertEquals(List.of("Pw+S3cret", "Pw%2BS3cret"), parse("amqp://u:Pw%2BS3cret@h").secrets());
        assertEquals(List.of("t0ken"), parse("amqp://t0ken@h").secrets());
        assertEquals(List.of(), parse("amqp://h").secrets());
    }

    @Test
    void another_scheme_is_refused_naming_the_expected_ones() {
        assertTrue(refusal("kafka://h").contains("amqp:// or amqps://"));
    }

    @Test
    void a_bad_port_is_refused_naming_it() {
        assertTrue(refusal("amqp://h:99999").contains("bad port '99999'"));
        assertTrue(refusal("amqp://h:port").contains("bad port 'port'"));
    }

    @Test
    void a_url_without_a_host_or_with_an_empty_one_is_refused() {
        assertTrue(refusal("amqp:///").contains("names no broker"));
        assertTrue(refusal("amqp://h1,,h2").contains("empty broker address"));
        assertTrue(refusal("amqp://[::1").contains("IPv6"));
        assertTrue(refusal("amqp://:p@h").contains("empty user name"));
    }

    @Test
    void a_transport_that_connects_to_one_host_refuses_a_list() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("amqp://h1,h2").host());
        assertTrue(e.getMessage().contains("takes one"), e.getMessage());
    }

    @Test
    void the_path_is_one_decoded_name_or_refused_where_a_broker_has_none() {
        assertEquals(Optional.empty(), parse("amqp://h/").pathName("virtual host"));
        assertEquals(Optional.of("/"), parse("amqp://h/%2F").pathName("virtual host"));
        assertEquals(Optional.of("a/b"), parse("amqp://h/a%2Fb").pathName("virtual host"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("amqp://h/a/b").pathName("virtual host"))
                .getMessage().contains("virtual host"));
        parse("amqp://h/").requireNoPath();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("amqp://h/x").requireNoPath())
                .getMessage().contains("path ('/x')"));
    }
}

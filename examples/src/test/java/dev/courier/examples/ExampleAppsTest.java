package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each app, end to end on {@code memory://}, checked by its summary line. */
class ExampleAppsTest {

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void user_signup_delivers_every_event_to_both_services() {
        Run run = run("user-signup", "--broker", "memory://examples-signup", "--count", "300");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("summary: published 300, email handled 300, analytics handled 300, day-2 mails 300"),
                run.out());
    }

    @Test
    void thumbnails_renders_good_jobs_and_dead_letters_poison_ones() {
        Run run = run("thumbnails", "--broker", "memory://examples-thumbs", "--count", "100", "--poison-every", "20",
                "--fail-rate", "0.2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("summary: submitted 100, rendered 95, retried "), run.out());
        assertTrue(run.out().contains("dead-lettered 5"), run.out());
        assertTrue(run.out().contains("img-20.corrupt: img-20.corrupt is not a valid image"), run.out());
    }

    @Test
    void signup_api_accepts_good_requests_and_rejects_bad_json() {
        Run run = run("signup-api", "--broker", "memory://examples-api", "--count", "40");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("accepted 40, rejected 2, published 40, email handled 40, analytics handled 40"), run.out());
    }

    @Test
    void an_unknown_scheme_is_a_one_line_error_without_stack_trace() {
        Run run = run("user-signup", "--broker", "nope://host");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: no transport for scheme 'nope'"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void a_bad_option_is_explained() {
        Run run = run("thumbnails", "--workers", "zero");
        assertEquals(64, run.exitCode());
        assertTrue(run.err().contains("--workers must be a whole number"), run.err());
    }

    @Test
    void help_lists_every_app() {
        Run run = run("--help");
        assertEquals(0, run.exitCode());
        for (String app : new String[] {"user-signup", "thumbnails", "signup-api"}) {
            assertTrue(run.out().contains(app), run.out());
        }
    }
}

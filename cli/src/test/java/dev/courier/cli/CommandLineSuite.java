package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * What {@code courier} answers before it contacts a broker (help, usage errors), once per way of
 * running it ({@link CommandRunner}). These answers do not depend on the broker, so they are not
 * repeated for each one in {@link CourierCommandSuite}: every repetition was a JVM started for the
 * same code path.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
abstract class CommandLineSuite {

    /** How the command is run. */
    protected abstract CommandRunner runner();

    /** The {@code --broker} URL given to the commands that fail before connecting. */
    protected abstract String url();

    @Test
    void dlq_replay_needs_ids_or_all() {
        CommandRunner.Run run = runner().run("dlq", "replay", "cli-usage.failing.dlq", "--broker", url());

        assertEquals(Courier.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("give either --id ID (one or more) or --all"), run.toString());
    }

    @Test
    void publish_refuses_a_payload_that_is_not_json() {
        CommandRunner.Run run = runner().run("publish", "cli-usage", "--data", "{not json", "--broker", url());

        assertEquals(Courier.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("the payload is not JSON"), run.toString());
    }

    @Test
    void every_command_has_help() {
        // all started at once: each may be a JVM of its own, mostly starting up
        List<CommandRunner.Started> started = new ArrayList<>();
        for (List<String> command : List.<List<String>>of(List.of(), List.of("dlq"), List.of("dlq", "list"), List.of("dlq", "show"),
                List.of("dlq", "replay"), List.of("dlq", "purge"), List.of("publish"), List.of("tail"), List.of("health"))) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            started.add(runner().start(args.toArray(String[]::new)));
        }
        for (CommandRunner.Started help : started) {
            CommandRunner.Run run = new CommandRunner.Run(help.waitFor(), help.out(), help.err());
            assertEquals(Courier.OK, run.exitCode(), run.toString());
            assertTrue(run.out().startsWith("Usage: courier"), run.toString());
        }
    }

    @Test
    void a_command_without_a_broker_is_a_usage_error() {
        CommandRunner.Run run = runner().run("health");

        assertFalse(run.exitCode() == Courier.OK, run.toString());
        assertTrue(run.err().contains("give --broker URL or set COURIER_URL"), run.toString());
    }
}

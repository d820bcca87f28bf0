package dev.courier.cli;

import dev.courier.spi.Durations;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier dlq}: the dead-letter queues core writes ({@code <topic>.<group>.dlq},
 * {@code <queue>.dlq}), read without consuming them, replayed to the group that failed, purged.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Dead-letter queues: list, show, replay, purge.",
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class,
                DlqCommand.Purge.class})
final class DlqCommand implements Runnable {

    /** The most dead letters one command reads. */
    static final int DEFAULT_MAX = 10_000;

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a dlq command: list, show, replay or purge");
    }

    /** What every dlq command takes: the broker, the queue, how many letters to read at most. */
    static class QueueArguments {
        @Mixin
        BrokerOption broker;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "QUEUE", description = "The dead-letter queue, e.g. user.created.email.dlq.")
        String queue;

        @Option(names = "--max", paramLabel = "N", defaultValue = "" + DEFAULT_MAX,
                description = "Read at most N dead letters (default: ${DEFAULT-VALUE}).")
        int max;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        List<DeadLetter> read(QueueBrowser browser) {
            return browser.messages(max).stream().map(DeadLetter::new).toList();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Table of the dead letters in QUEUE (id, original topic, group, error, attempts, age); consumes none.")
    static final class ListLetters extends QueueArguments implements Callable<Integer> {
        @Override
        public Integer call() {
            try (BrokerSession session = new BrokerSession(broker.openTransport());
                 QueueBrowser browser = session.browse(queue)) {
                List<DeadLetter> letters = read(browser);
                Instant now = Instant.now();
                Table table = new Table("ID", "TOPIC", "GROUP", "ERROR", "ATTEMPTS", "AGE");
                for (DeadLetter letter : letters) {
                    table.row(letter.id(), orDash(letter.originalTopic()), orDash(letter.group()),
                            Table.cut(letter.error(), 80), letter.attempts(), Table.age(letter.age(now)));
                }
                table.print(out());
                out().println(letters.size() + " dead letter(s) in " + queue);
            }
            return Courier.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Headers and payload of one dead letter (JSON pretty-printed); consumes nothing.")
    static final class Show extends QueueArguments implements Callable<Integer> {
        @Parameters(index = "1", paramLabel = "ID", description = "The dead letter's id, as dlq list shows it.")
        String id;

        @Override
        public Integer call() {
            try (BrokerSession session = new BrokerSession(broker.openTransport());
                 QueueBrowser browser = session.browse(queue)) {
                DeadLetter letter = read(browser).stream().filter(l -> l.id().equals(id)).findFirst()
                        .orElseThrow(() -> notFound(List.of(id), queue));
                PayloadText.show(letter.envelope(), out());
            }
            return Courier.OK;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Sends dead letters back: a topic's to the group that failed only, a work queue's to its queue.",
                    "Each is removed from QUEUE only once the broker confirmed the copy, so an interrupted replay loses none"
                            + " (at worst one is sent twice)."})
    static final class Replay extends QueueArguments implements Callable<Integer> {
        @Option(names = "--id", paramLabel = "ID", description = "A dead letter to replay (repeatable).")
        List<String> ids = new ArrayList<>();

        @Option(names = "--all", description = "Replay every dead letter in QUEUE.")
        boolean all;

        @Option(names = "--dry-run", description = "Show what would be replayed; send and remove nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            if (all == !ids.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give either --id ID (one or more) or --all");
            }
            try (BrokerSession session = new BrokerSession(broker.openTransport());
                 QueueBrowser browser = session.browse(queue)) {
                List<DeadLetter> letters = read(browser);
                List<DeadLetter> chosen = all ? letters : choose(letters, ids, queue);
                boolean newIds = session.deduplicates();
                int replayed = 0;
                for (DeadLetter letter : chosen) {
                    Envelope copy = letter.replay(newIds);
                    if (dryRun) {
                        out().println("would replay " + letter.id() + " to " + letter.replayTarget());
                        continue;
                    }
                    session.send(copy);
                    if (!browser.remove(letter.id())) {
                        out().println("warning: " + letter.id() + " was replayed but had already left " + queue);
                    }
                    replayed++;
                    out().println("replayed " + letter.id() + " to " + letter.replayTarget()
                            + (newIds ? " as " + copy.id() : ""));
                }
                out().println(dryRun ? "dry run: would replay " + chosen.size() + " dead letter(s) from " + queue
                        : "replayed " + replayed + " dead letter(s) from " + queue);
            }
            return Courier.OK;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Removes dead letters from QUEUE for good: all, or those older than a duration.")
    static final class Purge extends QueueArguments implements Callable<Integer> {
        @Option(names = "--older-than", paramLabel = "DURATION",
                description = "Only dead letters whose message is older than this (" + Durations.SYNTAX + ").")
        String olderThan;

        @Override
        public Integer call() {
            Duration minimumAge = olderThan == null ? Duration.ZERO : Durations.parse(olderThan);
            try (BrokerSession session = new BrokerSession(broker.openTransport());
                 QueueBrowser browser = session.browse(queue)) {
                Instant now = Instant.now();
                int purged = 0;
                for (DeadLetter letter : read(browser)) {
                    if (letter.age(now).compareTo(minimumAge) >= 0 && browser.remove(letter.id())) {
                        purged++;
                    }
                }
                out().println("purged " + purged + " dead letter(s) from " + queue);
            }
            return Courier.OK;
        }
    }

    private static List<DeadLetter> choose(List<DeadLetter> letters, List<String> ids, String queue) {
        Set<String> wanted = new LinkedHashSet<>(ids);
        List<DeadLetter> chosen = letters.stream().filter(l -> wanted.contains(l.id())).toList();
        Set<String> missing = new LinkedHashSet<>(wanted);
        chosen.forEach(l -> missing.remove(l.id()));
        if (!missing.isEmpty()) {
            throw notFound(List.copyOf(missing), queue);
        }
        return chosen;
    }

    private static Courier.CommandFailure notFound(List<String> ids, String queue) {
        return new Courier.CommandFailure(Courier.NOT_FOUND, "no dead letter " + String.join(", ", ids) + " in " + queue
                + " (dlq list " + queue + " shows what is there)");
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }
}

package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Subscription;
import dev.courier.spi.Envelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every command on a real broker, each run in a JVM of its own, and what only a separate process
 * can show: a replay killed half way (SIGKILL) loses no dead letter.
 */
@Tag("broker")
abstract class BrokerCourierCommandSuite extends CourierCommandSuite {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Command JVMs sharing class data per broker: the classes of its client are what they load. */
    @Override
    protected CommandRunner runner() {
        return CommandRunner.subprocess(java.net.URI.create(url()).getScheme());
    }

    /** A URL of this broker's scheme where nothing listens. */
    protected abstract String unreachableUrl();

    @Test
    void health_exits_1_when_the_broker_cannot_be_reached() {
        CommandRunner.Run run = runner().run("health", "--broker", unreachableUrl());

        assertEquals(Courier.FAILED, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("DOWN "), run.toString());
    }

    /**
     * How many dead letters the killed replay starts with (4 keys): enough that the kill comes
     * half way. A slow broker (the AWS emulator) takes fewer.
     */
    protected int killedReplayLetters() {
        return 400;
    }

    @Test
    void dlq_replay_killed_half_way_loses_no_dead_letter() {
        int total = killedReplayLetters();
        AtomicBoolean broken = new AtomicBoolean(true);
        Set<Integer> handled = ConcurrentHashMap.newKeySet();
        Subscription failing = group("failing", broken, handled);
        CompletableFuture.allOf(IntStream.range(0, total).mapToObj(n -> bus.publish(
                OutgoingMessage.of(topic, new Item(n)).withKey("k" + n % 4)).toCompletableFuture())
                .toArray(CompletableFuture[]::new)).join();
        String dlq = failing.deadLetterQueue();
        awaitWaiting(dlq, total);
        broken.set(false);

        CommandRunner.Started replay = runner().start(withBroker("dlq", "replay", dlq, "--all"));
        // killed once it reports its first replay: waiting for the group to handle one as well let a
        // fast broker (NATS) finish all of them first on a loaded machine
        CommandRunner.await(() -> replay.out().contains("replayed ") || !replay.isAlive(), "the first replayed dead letter");
        assertTrue(replay.isAlive(), "the replay ended before it could be killed:\n" + replay.out() + replay.err());
        replay.kill();

        // each one is handled again or still waits in the dead-letter queue: none lost in between
        CommandRunner.await(() -> {
            Set<Integer> seen = ConcurrentHashMap.newKeySet();
            seen.addAll(handled);
            waiting(dlq).forEach(letter -> seen.add(item(letter)));
            return seen.size() == total;
        }, "every item handled again or waiting in " + dlq);
        assertTrue(handled.size() < total, "the kill came after the replay had finished: " + handled.size());
        CommandRunner.Run rest = courier("dlq", "replay", dlq, "--all");
        assertEquals(Courier.OK, rest.exitCode(), rest.toString());
        CommandRunner.await(() -> handled.size() == total, "every item handled after replaying the rest");
    }

    private static int item(Envelope letter) {
        try {
            return JSON.readTree(letter.payload()).get("n").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.courier.cli;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier publish}: one message to a topic, through the bus, confirmed by the broker. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publishes one message to TOPIC and waits for the broker's confirmation; prints its id.")
final class PublishCommand implements Callable<Integer> {

    @Mixin
    private BrokerOption broker;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to publish to.")
    private String topic;

    @Option(names = "--key", paramLabel = "K", description = "Ordering key.")
    private String key;

    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A header (repeatable).")
    private Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--content-type", paramLabel = "TYPE", defaultValue = "application/json",
            description = "The payload's media type (default: ${DEFAULT-VALUE}); JSON payloads are checked before sending.")
    private String contentType;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Payload payload;

    /** The payload, inline or from a file. */
    static final class Payload {
        @Option(names = "--data", paramLabel = "JSON", required = true, description = "The payload, e.g. '{\"id\":42}'.")
        String data;

        @Option(names = "--file", paramLabel = "F", required = true, description = "Read the payload from file F.")
        Path file;
    }

    @Override
    public Integer call() throws Exception {
        byte[] body = body();
        if (contentType.contains("json") && PayloadText.json(new String(body, StandardCharsets.UTF_8)) == null) {
            throw new ParameterException(spec.commandLine(), "the payload is not JSON; give --content-type for other payloads");
        }
        OutgoingMessage message = OutgoingMessage.of(topic, body).withKey(key).withHeaders(Map.copyOf(headers))
                .withContentType(contentType);
        try (MessageBus bus = broker.connect()) {
            // the bus fails the stage itself after its publish timeout
            PublishReceipt receipt = bus.publish(message).toCompletableFuture().join();
            spec.commandLine().getOut().println("published " + receipt.id() + " to " + receipt.topic());
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return Courier.OK;
    }

    private byte[] body() {
        if (payload.data != null) {
            return payload.data.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Files.readAllBytes(payload.file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + payload.file + ": " + e.getMessage(), e);
        }
    }
}

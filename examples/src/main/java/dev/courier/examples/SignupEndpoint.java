package dev.courier.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.courier.api.PublishReceipt;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /users} with {@code {"email": "..."}}: answers {@code 202 Accepted} once the
 * {@code UserCreated} event is durably published, or committed with the user to the outbox (the slow work happens in the services behind
 * the broker), {@code 400} with the reason for bad input (nothing is published), {@code 503}
 * when the broker does not confirm.
 */
final class SignupEndpoint implements HttpHandler {

    private static final int MAX_BODY = 64 * 1024;

    private final UserService users;
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger rejected = new AtomicInteger();

    SignupEndpoint(UserService users) {
        this.users = users;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, Map.of("error", "use POST"));
                return;
            }
            String email;
            try {
                email = readEmail(exchange.getRequestBody());
            } catch (IllegalArgumentException bad) {
                rejected.incrementAndGet();
                respond(exchange, 400, Map.of("error", bad.getMessage()));
                return;
            }
            PublishReceipt receipt;
            try {
                receipt = users.signUp(email).toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                respond(exchange, 503, Map.of("error", "could not publish the signup, try again: " + e.getMessage()));
                return;
            }
            accepted.incrementAndGet();
            respond(exchange, 202, Map.of("messageId", receipt.id()));
        }
    }

    private String readEmail(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new IllegalArgumentException("body larger than " + MAX_BODY + " bytes");
        }
        JsonNode node;
        try {
            node = json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object like {\"email\": \"ada@example.com\"}");
        }
        JsonNode email = node.get("email");
        if (email == null || !email.isTextual() || !email.asText().matches("[^@\\s]+@[^@\\s]+")) {
            throw new IllegalArgumentException("field 'email' must be an e-mail address");
        }
        return email.asText();
    }

    private void respond(HttpExchange exchange, int status, Map<String, String> body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String body(Map<String, String> fields) {
        StringBuilder out = new StringBuilder("{");
        fields.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return out.append('}').toString();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.courier.spring;

import dev.courier.api.Message;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Payloads and handler beans the starter's tests share. */
final class TestEvents {

    private TestEvents() {
    }

    record UserCreated(String userId, String email) {
    }

    record Thumbnail(String image, int size) {
    }

    /** A bean with one listener of each kind, recording what it received. */
    static class SignupHandlers {

        final List<UserCreated> payloads = new CopyOnWriteArrayList<>();
        final List<Message<UserCreated>> messages = new CopyOnWriteArrayList<>();
        final List<Thumbnail> jobs = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @CourierListener(topic = "user.created", group = "email")
        void onPayload(UserCreated event) {
            threads.add(Thread.currentThread().getName());
            payloads.add(event);
        }

        @CourierListener(topic = "${test.topic:user.created}", group = "audit", concurrency = 2)
        void onMessage(Message<UserCreated> message) {
            messages.add(message);
        }

        @CourierListener(queue = "thumbnails", maxAttempts = 3)
        void render(Thumbnail job) {
            jobs.add(job);
        }
    }
}

package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publish/subscribe: the user service publishes {@code UserCreated}; the email service and the
 * analytics service each receive every event. The email service schedules a "welcome, day 2" mail
 * for each (delayed delivery), and the app waits until those arrive too.
 */
final class UserSignupApp {

    static final Set<String> OPTIONS = Set.of("broker", "count", "timeout");

    private UserSignupApp() {
    }

    static int run(Options options, PrintStream out) {
        int count = options.integer("count", 1000, 1);
        Duration timeout = Duration.ofSeconds(options.integer("timeout", 60, 1));
        out.println("user-signup on " + Main.redact(options.broker()) + ": " + count + " signups");
        Set<String> published = ConcurrentHashMap.newKeySet();
        EmailService email = new EmailService();
        AnalyticsService analytics = new AnalyticsService();
        try (MessageBus bus = MessageBus.connect(options.broker())) {
            email.start(bus);
            analytics.start(bus);
            UserService users = new UserService(bus);
            boolean done;
            double elapsed;
            try (Progress progress = new Progress(out, () -> email.handled().size() + analytics.handled().size())
                    .counter("published", published::size)
                    .counter("email", () -> email.handled().size())
                    .counter("analytics", () -> analytics.handled().size())
                    .counter("day 2", () -> email.followedUp().size())
                    .start()) {
                List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    stages.add(users.signUp("user" + i + "@example.com").toCompletableFuture()
                            .whenComplete((receipt, failure) -> {
                                if (receipt != null) {
                                    published.add(receipt.id());
                                }
                            }));
                }
                CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).join();
                done = Expectation.allHandled(published, timeout, email.handled(), analytics.handled(), email.followedUp());
                elapsed = progress.elapsedSeconds();
            }
            long emailMissing = Expectation.missing(published, email.handled());
            long analyticsMissing = Expectation.missing(published, analytics.handled());
            long dayTwoMissing = Expectation.missing(published, email.followedUp());
            out.printf("summary: published %d, email handled %d, analytics handled %d, day-2 mails %d (each due %ds"
                    + " after its welcome), elapsed %.2fs%n", published.size(), published.size() - emailMissing,
                    published.size() - analyticsMissing, published.size() - dayTwoMissing, EmailService.DAY_TWO.toSeconds(),
                    elapsed);
            out.println("signups per day: " + analytics.perDay());
            if (!done) {
                throw new AppFailure("not every event was handled within " + timeout.toSeconds() + "s: email is missing "
                        + emailMissing + ", analytics is missing " + analyticsMissing + ", day-2 mails are missing "
                        + dayTwoMissing);
            }
            return 0;
        }
    }
}

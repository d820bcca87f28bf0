package dev.courier.examples;

import dev.courier.api.PublishReceipt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;

/**
 * Once the application has started (and its listeners run), signs up {@code count} users and waits
 * until the email, analytics and audit services handled every event; the exit code says whether
 * they did.
 */
class SignupRunner implements ApplicationRunner, ExitCodeGenerator {

    private final UserService users;
    private final EmailService email;
    private final AnalyticsService analytics;
    private final SignupAudit audit;
    private final int count;
    private final Duration timeout;
    private volatile int exitCode = 1;

    SignupRunner(UserService users, EmailService email, AnalyticsService analytics, SignupAudit audit, int count,
                 Duration timeout) {
        this.users = users;
        this.email = email;
        this.analytics = analytics;
        this.audit = audit;
        this.count = count;
        this.timeout = timeout;
    }

    @Override
    public void run(ApplicationArguments args) {
        Set<String> published = ConcurrentHashMap.newKeySet();
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
        boolean done = Expectation.allHandled(published, timeout, email.handled(), analytics.handled(), audit.handled());
        System.out.printf("summary: published %d, email handled %d, analytics handled %d, audit handled %d%n",
                published.size(), published.size() - Expectation.missing(published, email.handled()),
                published.size() - Expectation.missing(published, analytics.handled()),
                published.size() - Expectation.missing(published, audit.handled()));
        System.out.println("signups per day: " + analytics.perDay());
        exitCode = done ? 0 : 1;
        if (!done) {
            System.out.println("not every event was handled within " + timeout.toSeconds() + "s");
        }
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}

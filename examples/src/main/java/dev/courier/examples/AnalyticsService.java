package dev.courier.examples;

import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.examples.Events.UserCreated;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts signups per day (UTC): group {@code analytics} on {@code user.created}. */
final class AnalyticsService {

    static final String GROUP = "analytics";

    private final Set<String> counted = ConcurrentHashMap.newKeySet();
    private final Map<LocalDate, AtomicInteger> perDay = new ConcurrentHashMap<>();

    Subscription start(MessageBus bus) {
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::count);
    }

    private void count(Message<UserCreated> message) {
        if (counted.add(message.id())) {
            LocalDate day = message.payload().createdAt().atZone(ZoneOffset.UTC).toLocalDate();
            perDay.computeIfAbsent(day, d -> new AtomicInteger()).incrementAndGet();
        }
    }

    Set<String> handled() {
        return counted;
    }

    /** Signups per day, oldest first. */
    Map<LocalDate, Integer> perDay() {
        Map<LocalDate, Integer> sorted = new TreeMap<>();
        perDay.forEach((day, count) -> sorted.put(day, count.get()));
        return sorted;
    }
}

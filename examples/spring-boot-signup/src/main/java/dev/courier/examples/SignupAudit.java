package dev.courier.examples;

import dev.courier.api.Message;
import dev.courier.examples.Events.UserCreated;
import dev.courier.spring.CourierListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps an audit trail of signups: group {@code audit} on {@code user.created}, as an annotated bean method. */
class SignupAudit {

    static final String GROUP = "audit";

    private final Set<String> audited = ConcurrentHashMap.newKeySet();

    @CourierListener(topic = UserService.TOPIC, group = GROUP)
    void record(Message<UserCreated> message) {
        audited.add(message.id());
    }

    /** Ids of the events audited so far. */
    Set<String> handled() {
        return audited;
    }
}

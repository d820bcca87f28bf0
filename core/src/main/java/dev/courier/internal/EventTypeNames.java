package dev.courier.internal;

import dev.courier.api.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event type of each payload class, as {@link EventType} documents: the annotation's value,
 * else the class's name without its package (nested classes joined by '.'), else none. Worked out
 * once per class, so publishing costs a lookup, not reflection.
 */
public final class EventTypeNames {

    private static final Logger log = LoggerFactory.getLogger(EventTypeNames.class);

    /** The type per class; the empty string stands for "no type" (a ClassValue cannot hold null). */
    private static final ClassValue<String> NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            String name = derive(type);
            return name == null ? "" : name;
        }
    };

    private EventTypeNames() {
    }

    /** The event type of payloads of class {@code type}, or {@code null} when they have none. */
    public static String of(Class<?> type) {
        if (type.isArray()) {
            return null; // byte[] payloads, most of all: no type, and no class-value lookup per message
        }
        String name = NAMES.get(type);
        return name.isEmpty() ? null : name;
    }

    private static String derive(Class<?> type) {
        EventType annotation = type.getAnnotation(EventType.class);
        if (annotation != null) {
            return Names.type(annotation.value()); // a bad annotation is a programming error: say so
        }
        if (type.isArray() || type.isPrimitive() || type.isAnonymousClass() || type.isHidden() || type.isSynthetic()
                || untypedPackage(type.getPackageName())) {
            return null;
        }
        String name;
        if (type.isLocalClass()) {
            name = type.getSimpleName();
        } else {
            String binary = type.getName();
            String packageName = type.getPackageName();
            name = (packageName.isEmpty() ? binary : binary.substring(packageName.length() + 1)).replace('$', '.');
        }
        if (!Names.isType(name)) {
            log.warn("Messages of {} are published without an event type: its name '{}' is not a valid type name"
                    + " (1 to {} of [A-Za-z0-9._-]); give the class @EventType", type.getName(), name, Names.MAX_TOPIC);
            return null;
        }
        return name;
    }

    private static boolean untypedPackage(String name) {
        return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.fasterxml.jackson.");
    }
}

package dev.courier;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public surface of the {@code api} and {@code spi} packages, compared with the checked-in
 * {@code core/api/courier-core.api}, so every change of what users and transports see is a visible
 * diff in review. After a deliberate change, accept it with
 * {@code ./mvnw -pl core verify -Dtest=PublicSurfaceTest -Dcourier.api.update=true} and commit the file.
 */
class PublicSurfaceTest {

    private static final List<String> PACKAGES = List.of("dev.courier.api", "dev.courier.spi");
    private static final Path SIGNATURE_FILE = Path.of("api", "courier-core.api");

    @Test
    void the_public_api_and_spi_match_the_checked_in_signature_file() throws Exception {
        List<String> actual = surface();
        if (Boolean.getBoolean("courier.api.update")) {
            Files.createDirectories(SIGNATURE_FILE.getParent());
            Files.write(SIGNATURE_FILE, actual, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.exists(SIGNATURE_FILE)) {
            fail(SIGNATURE_FILE.toAbsolutePath() + " is missing; create it with -Dcourier.api.update=true");
        }
        List<String> expected = Files.readAllLines(SIGNATURE_FILE, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            Set<String> removed = new LinkedHashSet<>(expected);
            actual.forEach(removed::remove);
            Set<String> added = new LinkedHashSet<>(actual);
            expected.forEach(added::remove);
            fail("The public surface changed. If that is intended, run "
                    + "./mvnw -pl core verify -Dtest=PublicSurfaceTest -Dcourier.api.update=true and commit "
                    + "core/api/courier-core.api.\n"
                    + removed.stream().map(line -> "- " + line).collect(Collectors.joining("\n", "", "\n"))
                    + added.stream().map(line -> "+ " + line).collect(Collectors.joining("\n")));
        }
    }

    /** One line per public type and per public or protected member, sorted. */
    private static List<String> surface() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(dev.courier.api.MessageBus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> lines = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            List<String> names;
            try (Stream<Path> files = Files.list(dir)) {
                names = files.map(f -> f.getFileName().toString())
                        .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                        .sorted().toList();
            }
            for (String name : names) {
                Class<?> type = Class.forName(name, false, PublicSurfaceTest.class.getClassLoader());
                if (isVisible(type)) {
                    lines.addAll(describe(type));
                }
            }
        }
        return lines;
    }

    private static boolean isVisible(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass() || t.isSynthetic()) {
                return false;
            }
        }
        return true;
    }

    private static List<String> describe(Class<?> type) {
        String name = type.getName();
        TreeSet<String> members = new TreeSet<>();
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c.getModifiers()) && !c.isSynthetic()) {
                members.add(c.toGenericString().replace(name, "<init>"));
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge() && !generatedByRecord(type, m)) {
                members.add(m.toGenericString().replace(name + ".", ""));
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) {
                members.add(f.toGenericString().replace(name + ".", ""));
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(header(type));
        members.forEach(member -> lines.add(name + " | " + member));
        return lines;
    }

    /** A record's own equals, hashCode and toString: generated unless written, and never news. */
    private static boolean generatedByRecord(Class<?> type, Method method) {
        return type.isRecord() && Modifier.isFinal(method.getModifiers())
                && List.of("equals", "hashCode", "toString").contains(method.getName());
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String header(Class<?> type) {
        StringBuilder line = new StringBuilder(type.toGenericString());
        if (type.isRecord()) {
            line.append(Arrays.stream(type.getRecordComponents())
                    .map(c -> c.getGenericType().getTypeName() + " " + c.getName())
                    .collect(Collectors.joining(", ", "(", ")")));
        }
        Type superclass = type.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && superclass != Record.class && !type.isEnum()) {
            line.append(" extends ").append(superclass.getTypeName());
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            line.append(type.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
        }
        if (type.isSealed()) {
            line.append(" permits ").append(Arrays.stream(type.getPermittedSubclasses()).map(Class::getName)
                    .collect(Collectors.joining(", ")));
        }
        return line.toString();
    }
}

package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer does, followed by the build: a separate Maven project made of the files
 * harness/README.md shows (taken from it verbatim), built with this repository's Maven wrapper
 * against this build's artifacts, runs its courier-test test and passes.
 *
 * <p>The build's {@code verify} does not install, so the artifacts {@code ./mvnw install} would
 * put in the local repository (the parent and BOM poms, courier-core and courier-test: each
 * module's pom and its compiled classes as a jar) go to a fresh local repository in a temporary
 * directory. Everything else comes from this build's local repository, chained behind it
 * read-only ({@code maven.repo.local.tail}), so nothing in it is overwritten and a stale Courier
 * snapshot there is never used. Offline when this build is.
 */
class GeneratedProjectTest {

    private static final Pattern FILE = Pattern.compile("<!-- file: (\\S+) -->\\s*```\\w*\\n(.*?)\\n```", Pattern.DOTALL);

    private final Path root = Paths.get(property("courier.rootDir")).toAbsolutePath().normalize();
    private final String version = property("courier.version");

    @Test
    void a_project_made_from_the_readme_compiles_against_courier_and_passes_its_test(@TempDir Path temp) throws Exception {
        Map<String, String> files = readmeFiles();
        assertEquals(List.of("pom.xml", "src/main/java/com/example/shop/Billing.java",
                "src/test/java/com/example/shop/BillingTest.java"), List.copyOf(files.keySet()));
        assertTrue(files.get("pom.xml").contains("<version>" + version + "</version>"),
                "the README's BOM version is not this build's " + version);
        Path project = temp.resolve("shop");
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = project.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue() + "\n");
        }
        Path repository = temp.resolve("repository");
        install(repository, "courier-parent", root.resolve("pom.xml"), null);
        install(repository, "courier-bom", root.resolve("bom/pom.xml"), null);
        install(repository, "courier-core", root.resolve("core/pom.xml"), root.resolve("core/target/classes"));
        install(repository, "courier-test", root.resolve("harness/pom.xml"), root.resolve("harness/target/classes"));

        Path log = temp.resolve("maven.log");
        int exit = maven(project, repository, log, "test");

        String output = Files.readString(log);
        assertEquals(0, exit, "the generated project's build failed:\n" + output);
        Path report = project.resolve("target/surefire-reports/TEST-com.example.shop.BillingTest.xml");
        assertTrue(Files.exists(report), "no test report; the build printed:\n" + output);
        String xml = Files.readString(report);
        assertTrue(xml.contains("tests=\"4\"") && xml.contains("failures=\"0\"") && xml.contains("errors=\"0\""), xml);
    }

    /** The files the README marks with {@code <!-- file: path -->} before a code block, in order. */
    private Map<String, String> readmeFiles() throws IOException {
        Matcher matcher = FILE.matcher(Files.readString(root.resolve("harness/README.md")));
        Map<String, String> files = new LinkedHashMap<>();
        while (matcher.find()) {
            files.put(matcher.group(1), matcher.group(2));
        }
        return files;
    }

    /** What {@code install} puts in a local repository: the pom as it is, and the jar. */
    private void install(Path repository, String artifactId, Path pom, Path classes) throws IOException {
        Path dir = repository.resolve("dev/courier").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"));
        if (classes != null) {
            assertTrue(Files.isDirectory(classes), classes + " is missing: build the reactor (with -am) first");
            jar(classes, dir.resolve(artifactId + "-" + version + ".jar"));
        }
    }

    private static void jar(Path classes, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> paths = Files.walk(classes)) {
            for (Path path : paths.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(path).toString().replace('\\', '/')));
                Files.copy(path, out);
                out.closeEntry();
            }
        }
    }

    private int maven(Path project, Path repository, Path log, String goal) throws Exception {
        String wrapper = System.getProperty("os.name").startsWith("Windows") ? "mvnw.cmd" : "mvnw";
        List<String> command = new java.util.ArrayList<>(List.of(root.resolve(wrapper).toString(), "-B", "-q", goal,
                "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + property("courier.localRepository")));
        if (Boolean.getBoolean("courier.offline")) {
            command.add("-o");
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("MAVEN_ARGS");
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the generated project's build took over 5 minutes:\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return process.exitValue();
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        assertTrue(value != null && !value.isBlank(), "system property " + name + " is not set; run this test with Maven");
        return value;
    }
}

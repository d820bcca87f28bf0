package dev.courier.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Class data sharing (CDS) for the command JVMs: the first command of an archive dumps the classes
 * it loaded at exit ({@code -XX:ArchiveClassesAtExit}), the later ones map them
 * ({@code -XX:SharedArchiveFile}) instead of loading, verifying and linking them again from the
 * jars. A command JVM spends most of its life loading classes (the broker clients, picocli), so
 * this cuts each command's start by a third or more; what the command does is the same.
 *
 * <p>An archive holds classes from jars only (a JVM refuses to dump with a non-empty directory on
 * its classpath), so the test classpath's directories ({@code target/classes}, and in a build
 * without {@code package} the other modules' too) are packed into jars once per test JVM, and
 * every command JVM runs on that classpath. Archives and jars live under
 * {@code target/cli-commands/<pid>}, made fresh by each test JVM: an archive is only good for the
 * very jars it was dumped from.
 */
final class ClassDataSharing {

    private enum State { DUMPING, READY }

    private static final Path DIR = Path.of("target", "cli-commands", Long.toString(ProcessHandle.current().pid()))
            .toAbsolutePath();
    private static final int DUMP_ATTEMPTS = 2;
    private static final Map<String, State> ARCHIVES = new ConcurrentHashMap<>();
    private static final Map<String, Integer> ATTEMPTS = new ConcurrentHashMap<>();
    private static String classPath;

    private ClassDataSharing() {
    }

    /** The test classpath with each directory replaced by a jar of it. */
    static synchronized String classPath() {
        if (classPath == null) {
            try {
                Files.createDirectories(DIR);
                Runtime.getRuntime().addShutdownHook(new Thread(ClassDataSharing::deleteDir, "cli-commands-cleanup"));
                List<String> entries = new ArrayList<>();
                int n = 0;
                for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                    Path path = Path.of(entry);
                    entries.add(Files.isDirectory(path) ? jar(path, DIR.resolve(n++ + "-" + path.getFileName() + ".jar")).toString() : entry);
                }
                classPath = String.join(File.pathSeparator, entries);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return classPath;
    }

    /**
     * One command JVM's part in an archive: the flags it runs with, and what is done once it has
     * ended ({@code killed}: the test killed it, so it wrote no archive).
     */
    record Use(List<String> flags, Consumer<Boolean> whenEnded) {
        void ended(boolean killed) {
            whenEnded.accept(killed);
        }
    }

    /**
     * The part of the next command JVM in {@code archive}: the first one dumps it, the ones after
     * it was written map it, and any started while it is being written run without. A dump that
     * wrote nothing is tried again by the next command, {@value #DUMP_ATTEMPTS} times at the most.
     */
    static Use use(String archive) {
        Path file = DIR.resolve(archive + ".jsa");
        // cds logging off: a warning (e.g. a class too old to archive) would land on the command's stdout
        List<String> flags = new ArrayList<>(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        // after the last attempt the archive stays DUMPING, and every later command runs without
        State state = ARCHIVES.putIfAbsent(archive, State.DUMPING);
        if (state == null && ATTEMPTS.merge(archive, 1, Integer::sum) <= DUMP_ATTEMPTS) {
            flags.add("-XX:ArchiveClassesAtExit=" + file);
            return new Use(flags, killed -> {
                if (!killed && Files.isRegularFile(file)) {
                    ARCHIVES.put(archive, State.READY);
                } else {
                    ARCHIVES.remove(archive);
                }
            });
        }
        if (state == State.READY) {
            flags.add("-XX:SharedArchiveFile=" + file);
        }
        return new Use(flags, killed -> { });
    }

    private static Path jar(Path dir, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new JarEntry(dir.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return jar;
    }

    private static void deleteDir() {
        try (Stream<Path> paths = Files.walk(DIR)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // left for mvn clean
        }
    }
}

package dev.courier.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR summary of this JVM while only Courier runs (a throughput slice on one broker): where the
 * CPU samples are ({@code jdk.ExecutionSample}, the method on top of the stack, and the Courier
 * methods anywhere on it) and where memory is allocated ({@code jdk.ObjectAllocationSample}, by
 * weight). Recorded with JFR's {@code profile} settings, execution samples every 2 ms.
 *
 * @param file          the recording, kept for {@code jfr print} or JDK Mission Control
 * @param cpuSamples    execution samples of all threads
 * @param hottest       methods by samples on top of the stack (self time)
 * @param courier       {@code dev.courier} methods by samples with the method anywhere on the stack
 * @param allocations   allocation sites by sampled bytes
 * @param allocated     sampled bytes in all
 */
record CpuProfile(Path file, long cpuSamples, List<Entry> hottest, List<Entry> courier, List<Entry> allocations, long allocated) {

    /** A method or site and its count (samples or bytes). */
    record Entry(String what, long count) {
    }

    /** How many rows each list keeps. */
    static final int TOP = 8;

    /** Something to profile; may throw. */
    interface Work {
        void run() throws Exception;
    }

    /** Records {@code work} with JFR's {@code profile} settings into {@code file}, then summarises the recording. */
    static CpuProfile record(Path file, Work work) throws Exception {
        Configuration settings;
        try {
            settings = Configuration.getConfiguration("profile");
        } catch (IOException | ParseException e) {
            settings = Configuration.getConfiguration("default");
        }
        try (Recording recording = new Recording(settings)) {
            // more samples than the profile settings' 10-20 ms give in a few seconds (JFR keeps its own lower bound)
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
            recording.setToDisk(true);
            recording.start();
            try {
                work.run();
            } finally {
                recording.stop();
                recording.dump(file);
            }
        }
        return summarise(file);
    }

    /** The summary of a recording. */
    static CpuProfile summarise(Path file) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> courier = new HashMap<>();
        Map<String, Long> sites = new HashMap<>();
        long samples = 0;
        long allocated = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                List<RecordedFrame> frames = stack.getFrames();
                if (frames.stream().anyMatch(CpuProfile::profiler)) {
                    continue; // JFR writing its own recording, not the path profiled
                }
                if (type.equals("jdk.ExecutionSample")) {
                    samples++;
                    self.merge(name(frames.get(0)), 1L, Long::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : frames) {
                        String method = name(frame);
                        if (method.startsWith("dev.courier.") && !method.startsWith("dev.courier.benchmarks.") && seen.add(method)) {
                            courier.merge(method, 1L, Long::sum);
                        }
                    }
                } else if (type.equals("jdk.ObjectAllocationSample")) {
                    long weight = event.getLong("weight");
                    allocated += weight;
                    String objectClass = className(event.getClass("objectClass").getName());
                    sites.merge(objectClass + " in " + site(frames), weight, Long::sum);
                }
            }
        }
        return new CpuProfile(file, samples, top(self), top(courier), top(sites), allocated);
    }

    /** The first frame outside the JDK (the code that asked for the memory), with the JDK method below it if any. */
    private static String site(List<RecordedFrame> frames) {
        for (int i = 0; i < frames.size(); i++) {
            String method = name(frames.get(i));
            if (!(method.startsWith("java.") || method.startsWith("jdk.") || method.startsWith("sun."))) {
                String line = frames.get(i).getLineNumber() > 0 ? ":" + frames.get(i).getLineNumber() : "";
                return i == 0 ? method + line : method + line + " (via " + name(frames.get(0)) + ")";
            }
        }
        return name(frames.get(0));
    }

    private static boolean profiler(RecordedFrame frame) {
        String method = name(frame);
        return method.startsWith("jdk.jfr.") || method.startsWith(CpuProfile.class.getName() + ".");
    }

    /** {@code Type.method}, a lambda's generated class as {@code Outer$$Lambda}. */
    private static String name(RecordedFrame frame) {
        RecordedMethod method = frame.getMethod();
        return method == null ? "?" : className(method.getType().getName()) + "." + method.getName();
    }

    /** A class name as source code writes it: arrays as {@code byte[]}, lambdas without their generated suffix. */
    static String className(String name) {
        int dimensions = 0;
        while (dimensions < name.length() && name.charAt(dimensions) == '[') {
            dimensions++;
        }
        String element = name.substring(dimensions);
        if (dimensions > 0) {
            element = switch (element) {
                case "B" -> "byte";
                case "Z" -> "boolean";
                case "C" -> "char";
                case "S" -> "short";
                case "I" -> "int";
                case "J" -> "long";
                case "F" -> "float";
                case "D" -> "double";
                default -> element.startsWith("L") && element.endsWith(";") ? element.substring(1, element.length() - 1) : element;
            };
        }
        element = element.replaceAll("\\$\\$Lambda[^.]*(\\.\\d+)?", "\\$\\$Lambda");
        return element + "[]".repeat(dimensions);
    }

    private static List<Entry> top(Map<String, Long> counts) {
        List<Entry> entries = new ArrayList<>();
        counts.forEach((what, count) -> entries.add(new Entry(what, count)));
        entries.sort(Comparator.comparingLong(Entry::count).reversed().thenComparing(Entry::what));
        return List.copyOf(entries.subList(0, Math.min(TOP, entries.size())));
    }
}

package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Rewriting benchmarks.md replaces the generated part only and keeps what was written by hand. */
class ReportMergeTest {

    private static final String LEGACY = """
            # Benchmarks: Courier against the raw clients

            ## Machine

            old machine

            ## Throughput (msg/s)

            old table

            ## Reading these figures

            - old notes

            ## Transactional outbox (courier-jdbc)

            outbox by hand

            ## Request/reply

            request/reply by hand
            """;

    @Test
    void aFileFromBeforeTheMarkersKeepsItsHandWrittenSectionsAndLosesTheOldGeneratedOnes() {
        String merged = Report.merge(LEGACY, "# Benchmarks\n\nnew tables\n");

        assertTrue(merged.contains("new tables"));
        assertFalse(merged.contains("old table"));
        assertFalse(merged.contains("old notes"));
        assertTrue(merged.contains("## Transactional outbox (courier-jdbc)\n\noutbox by hand"));
        assertTrue(merged.contains("## Request/reply\n\nrequest/reply by hand"));
        assertTrue(merged.indexOf(Report.END) < merged.indexOf("## Transactional outbox"), "hand-written after the generated part");
    }

    @Test
    void aSecondRunReplacesOnlyWhatIsBetweenTheMarkers() {
        String first = Report.merge(LEGACY, "run one\n");
        String edited = "intro by hand\n" + first.replace("- Nothing yet.", "- Cached the header bytes: +12%.");

        String second = Report.merge(edited, "run two\n");

        assertTrue(second.startsWith("intro by hand\n" + Report.BEGIN));
        assertTrue(second.contains("run two"));
        assertFalse(second.contains("run one"));
        assertTrue(second.contains("- Cached the header bytes: +12%."));
        assertTrue(second.contains("request/reply by hand"));
        assertEquals(1, second.split(Report.PROFILES_CHANGED, -1).length - 1, "one 'What the profiles changed' section");
    }

    @Test
    void aNewFileGetsThePlaceForWhatTheProfilesChanged() {
        String merged = Report.merge(null, "tables\n");

        assertTrue(merged.startsWith(Report.BEGIN + "\ntables\n" + Report.END + "\n"));
        assertTrue(merged.contains(Report.PROFILES_CHANGED));
    }

    @Test
    void rewritingWithTheSameTablesChangesNothing() {
        String once = Report.merge(LEGACY, "tables\n");

        assertEquals(once, Report.merge(once, "tables\n"));
    }
}

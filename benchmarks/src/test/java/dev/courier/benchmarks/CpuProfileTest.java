package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Names in the profile summary read as source code does. */
class CpuProfileTest {

    @Test
    void arrayClassesAreNamedAsInSource() {
        assertEquals("byte[]", CpuProfile.className("[B"));
        assertEquals("java.lang.Object[][]", CpuProfile.className("[[Ljava.lang.Object;"));
    }

    @Test
    void lambdaClassesLoseTheirGeneratedSuffix() {
        assertEquals("dev.courier.internal.RealMessageBus$$Lambda",
                CpuProfile.className("dev.courier.internal.RealMessageBus$$Lambda$268+0x00007fec3819ac50.1450500594"));
        assertEquals("dev.courier.internal.RealMessageBus$$Lambda",
                CpuProfile.className("dev.courier.internal.RealMessageBus$$Lambda$268/0x00007fec3819ac50"));
    }

    @Test
    void packagesAreAbbreviatedInTheReport() {
        assertEquals("d.c.i.RealMessageBus.publish", Report.shorten("dev.courier.internal.RealMessageBus.publish"));
        assertEquals("byte[] in o.a.k.c.u.Utils.toArray:303", Report.shorten("byte[] in org.apache.kafka.common.utils.Utils.toArray:303"));
    }
}

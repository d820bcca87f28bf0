package dev.courier.codec.protobuf;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.Test;

/** A codec is user-level code: it compiles against Courier's api, never spi or internal. */
class CodecLayeringTest {

    @Test
    void the_codec_uses_only_courier_s_api() {
        ArchRuleDefinition.noClasses().that().resideInAPackage("dev.courier.codec.protobuf..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.courier.spi..", "dev.courier.internal..")
                .allowEmptyShould(false)
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.courier.codec.protobuf"));
    }
}

package dev.courier.jdbc;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.Test;

/** The outbox and inbox are user-level code: they compile against Courier's api, never spi or internal. */
class JdbcLayeringTest {

    @Test
    void courier_jdbc_uses_only_courier_s_api() {
        ArchRuleDefinition.noClasses().that().resideInAPackage("dev.courier.jdbc..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.courier.spi..", "dev.courier.internal..")
                .allowEmptyShould(false)
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.courier.jdbc"));
    }
}

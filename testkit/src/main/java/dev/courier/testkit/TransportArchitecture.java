package dev.courier.testkit;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;

/**
 * The layering rule for transports: a transport's code uses Courier's {@code api} and {@code spi}
 * packages only, never {@code dev.courier.internal} nor another transport. Call
 * {@link #check(Class)} from a test in the transport's module.
 */
public final class TransportArchitecture {

    private TransportArchitecture() {
    }

    /** Fails when the production classes in the package of {@code anyTransportClass} break the rule. */
    public static void check(Class<?> anyTransportClass) {
        String transportPackage = anyTransportClass.getPackageName();
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(transportPackage);
        ArchRule rule = ArchRuleDefinition.noClasses().that().resideInAPackage(transportPackage + "..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "are in dev.courier but outside api, spi and " + transportPackage,
                        (com.tngtech.archunit.core.domain.JavaClass target) -> {
                            String name = target.getPackageName();
                            return name.startsWith("dev.courier")
                                    && !name.equals("dev.courier.api") && !name.equals("dev.courier.spi")
                                    && !name.startsWith(transportPackage);
                        }))
                .allowEmptyShould(false);
        rule.check(classes);
    }
}

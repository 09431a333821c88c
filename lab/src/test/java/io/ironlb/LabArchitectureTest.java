package io.ironlb;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab module's direction: {@code labcli} (the commands) over {@code bench} (measurements) over
 * {@code lab} (the cluster on one machine) over {@code netns} and the product. Maven keeps the
 * product from seeing any of them; this keeps the lab's own packages in order.
 */
class LabArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    // Every module's main classes: the product's and netns's come from their jars (not their test jars).
    ImportOption ourMainClasses = location -> (location.contains("/ironlb") || location.contains("/io/ironlb"))
        && !location.contains("-tests.jar") && !location.contains("/test-classes/");
    classes = new ClassFileImporter().withImportOption(ourMainClasses).importPackages("io.ironlb");
  }

  @Test
  void everyPackageOfEveryModuleIsFreeOfCycles() {
    slices().matching("io.ironlb.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theLabDoesNotReachUpIntoTheBenchmarksOrTheCommands() {
    noClasses().that().resideInAPackage("io.ironlb.lab..").should().dependOnClassesThat()
        .resideInAnyPackage("io.ironlb.bench..", "io.ironlb.labcli..").check(classes);
  }

  @Test
  void theBenchmarksDoNotReachUpIntoTheCommands() {
    noClasses().that().resideInAPackage("io.ironlb.bench..").should().dependOnClassesThat()
        .resideInAPackage("io.ironlb.labcli..").check(classes);
  }
}

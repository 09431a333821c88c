package io.ironlb;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pure core is tested fast and alone only while it stays free of adapters. (Plain JUnit tests
 * calling {@code check}: ArchUnit's own engine is not discovered by this Surefire setup.)
 */
class ArchitectureTest {

  private static final String[] CORE = {"io.ironlb.model..", "io.ironlb.ipam..", "io.ironlb.election..", "io.ironlb.l2.packet.."};
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.ironlb");
  }

  @Test
  void coreHasNoKubernetesOrMembershipTypes() {
    noClasses().that().resideInAnyPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.vertx..", "org.jgroups..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void coreHasNoSocketsOrNativeCalls() {
    noClasses().that().resideInAnyPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage("java.net.http..", "java.nio.channels..", "java.lang.foreign..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.DatagramSocket")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.ServerSocket")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void coreDoesNotReachIntoAdapters() {
    noClasses().that().resideInAnyPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.ironlb.k8s..", "io.ironlb.controller..", "io.ironlb.speaker..", "io.ironlb.membership..",
            "io.ironlb.cli..", "io.ironlb.runtime..", "io.ironlb.l2.linux..")
        .allowEmptyShould(true)
        .check(classes);
  }

  /**
   * Packages depend on each other in one direction only, so each can be read (and tested) with
   * only those below it in mind. A slice is a package and its subpackages.
   */
  @Test
  void packagesAreFreeOfCycles() {
    slices().matching("io.ironlb.(*)..").should().beFreeOfCycles().check(classes);
  }

  /** And finer: every package on its own ({@code l2} above {@code l2.packet} and {@code l2.linux}, never below). */
  @Test
  void subpackagesAreFreeOfCyclesToo() {
    slices().matching("io.ironlb.(**)").should().beFreeOfCycles().check(classes);
  }
}

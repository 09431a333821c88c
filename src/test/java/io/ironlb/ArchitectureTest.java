package io.ironlb;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The pure core is tested fast and alone only while it stays free of adapters. */
@AnalyzeClasses(packages = "io.ironlb", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String[] CORE = {"io.ironlb.model..", "io.ironlb.ipam..", "io.ironlb.election..", "io.ironlb.l2.packet.."};

  @ArchTest
  static final ArchRule coreHasNoKubernetesTypes =
      noClasses().that().resideInAnyPackage(CORE)
          .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.vertx..", "org.jgroups..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule coreHasNoSocketsOrNativeCalls =
      noClasses().that().resideInAnyPackage(CORE)
          .should().dependOnClassesThat().resideInAnyPackage("java.net.http..", "java.nio.channels..", "java.lang.foreign..")
          .orShould().dependOnClassesThat().haveSimpleName("Socket")
          .orShould().dependOnClassesThat().haveSimpleName("DatagramSocket")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule coreDoesNotReachIntoAdapters =
      noClasses().that().resideInAnyPackage(CORE)
          .should().dependOnClassesThat().resideInAnyPackage(
              "io.ironlb.k8s..", "io.ironlb.controller..", "io.ironlb.speaker..", "io.ironlb.membership..",
              "io.ironlb.lab..", "io.ironlb.cli..", "io.ironlb.l2.linux..")
          .allowEmptyShould(true);
}

package io.ironlb.l2.packet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Packets are values: no sockets, no native calls, no logging, no adapters. Checked here with a
 * plain JUnit test as well as by ArchitectureTest's rules, so it holds whichever engine runs.
 */
class PacketPurityTest {

  @Test
  void packetCodecsUseNoSocketsNativeCallsLoggingOrAdapters() {
    JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.ironlb.l2.packet");
    noClasses().that().resideInAPackage("io.ironlb.l2.packet..")
        .should().dependOnClassesThat().resideInAnyPackage("java.lang.foreign..", "java.nio.channels..", "java.net.http..", "org.slf4j..",
            "io.fabric8..", "org.jgroups..", "io.ironlb.l2.linux..", "io.ironlb.speaker..")
        .orShould().dependOnClassesThat().haveSimpleName("Socket")
        .orShould().dependOnClassesThat().haveSimpleName("DatagramSocket")
        .check(classes);
  }
}

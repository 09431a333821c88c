package io.ironlb.crds;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import io.ironlb.crds.Netip.Cidr;
import io.ironlb.crds.Netip.Ip;
import java.util.List;

/**
 * The IP and CIDR functions of the Kubernetes CEL library (k8s.io/apiserver/pkg/cel/library,
 * files ip.go and cidr.go), which cel-java does not ship. Names, overloads and results follow
 * the Kubernetes documentation; parsing follows {@link Netip}. The predicates that IronLB's rules
 * do not use ({@code isLoopback()}, {@code isGlobalUnicast()}, ...) are left out.
 */
final class KubernetesCelLibrary {
    static final OpaqueType IP = OpaqueType.create("net.IP");
    static final OpaqueType CIDR = OpaqueType.create("net.CIDR");

    private KubernetesCelLibrary() {}

    static List<CelFunctionDecl> declarations() {
        return List.of(
                global("isIP", SimpleType.BOOL, "is_ip_string", SimpleType.STRING),
                global("ip", IP, "string_to_ip", SimpleType.STRING),
                member("family", SimpleType.INT, "ip_family", IP),
                global("isCIDR", SimpleType.BOOL, "is_cidr_string", SimpleType.STRING),
                global("cidr", CIDR, "string_to_cidr", SimpleType.STRING),
                CelFunctionDecl.newFunctionDeclaration("containsIP",
                        CelOverloadDecl.newMemberOverload("cidr_contains_ip_ip", SimpleType.BOOL, CIDR, IP),
                        CelOverloadDecl.newMemberOverload("cidr_contains_ip_string", SimpleType.BOOL, CIDR, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("containsCIDR",
                        CelOverloadDecl.newMemberOverload("cidr_contains_cidr", SimpleType.BOOL, CIDR, CIDR),
                        CelOverloadDecl.newMemberOverload("cidr_contains_cidr_string", SimpleType.BOOL, CIDR, SimpleType.STRING)),
                member("ip", IP, "cidr_ip", CIDR),
                member("masked", CIDR, "cidr_masked", CIDR),
                member("prefixLength", SimpleType.INT, "cidr_prefix_length", CIDR),
                CelFunctionDecl.newFunctionDeclaration("string",
                        CelOverloadDecl.newGlobalOverload("ip_to_string", SimpleType.STRING, IP),
                        CelOverloadDecl.newGlobalOverload("cidr_to_string", SimpleType.STRING, CIDR)));
    }

    static List<CelFunctionBinding> bindings() {
        return List.of(
                CelFunctionBinding.from("is_ip_string", String.class, s -> Netip.parseIp(s).isPresent()),
                CelFunctionBinding.from("string_to_ip", String.class, KubernetesCelLibrary::ip),
                CelFunctionBinding.from("ip_family", Ip.class, ip -> (long) ip.family()),
                CelFunctionBinding.from("is_cidr_string", String.class, s -> Netip.parseCidr(s).isPresent()),
                CelFunctionBinding.from("string_to_cidr", String.class, KubernetesCelLibrary::cidr),
                CelFunctionBinding.from("cidr_contains_ip_ip", Cidr.class, Ip.class, Cidr::contains),
                CelFunctionBinding.from("cidr_contains_ip_string", Cidr.class, String.class,
                        (cidr, s) -> cidr.contains(ip(s))),
                CelFunctionBinding.from("cidr_contains_cidr", Cidr.class, Cidr.class, Cidr::contains),
                CelFunctionBinding.from("cidr_contains_cidr_string", Cidr.class, String.class,
                        (cidr, s) -> cidr.contains(cidr(s))),
                CelFunctionBinding.from("cidr_ip", Cidr.class, Cidr::ip),
                CelFunctionBinding.from("cidr_masked", Cidr.class, Cidr::masked),
                CelFunctionBinding.from("cidr_prefix_length", Cidr.class, cidr -> (long) cidr.prefixLength()),
                CelFunctionBinding.from("ip_to_string", Ip.class, Ip::toString),
                CelFunctionBinding.from("cidr_to_string", Cidr.class, Cidr::toString));
    }

    private static Ip ip(String s) throws CelEvaluationException {
        return Netip.parseIp(s).orElseThrow(() -> new CelEvaluationException(
                "IP Address \"" + s + "\" parse error during conversion from string"));
    }

    private static Cidr cidr(String s) throws CelEvaluationException {
        return Netip.parseCidr(s).orElseThrow(() -> new CelEvaluationException(
                "network address \"" + s + "\" parse error during conversion from string"));
    }

    private static CelFunctionDecl global(String name, CelType result, String overload, CelType arg) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newGlobalOverload(overload, result, arg));
    }

    private static CelFunctionDecl member(String name, CelType result, String overload, CelType receiver) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newMemberOverload(overload, result, receiver));
    }
}

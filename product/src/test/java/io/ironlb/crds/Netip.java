package io.ironlb.crds;

import java.math.BigInteger;
import java.util.Optional;

/**
 * IP addresses and prefixes parsed exactly as Kubernetes' CEL library parses them: Go's
 * {@code netip.ParseAddr}/{@code ParsePrefix}, then refusing zones and IPv4-mapped IPv6 addresses.
 * So IPv4 octets with leading zeros, IPv6 groups of more than four hex digits, "/024" and
 * "::ffff:192.0.2.1" are all refused, as a real API server would refuse them.
 *
 * <p>Hand-written rather than {@code InetAddress}: that class resolves host names, accepts
 * zones and silently turns IPv4-mapped IPv6 addresses into IPv4 ones.
 */
final class Netip {
    private Netip() {}

    /** An address: its family (4 or 6) and its bits as an unsigned number. */
    record Ip(int family, BigInteger value) {
        int bits() {
            return family == 4 ? 32 : 128;
        }

        /** Go's {@code Addr.String()}: dotted quad, or RFC 5952 (lower case, longest zero run as "::"). */
        @Override
        public String toString() {
            if (family == 4) {
                long v = value.longValueExact();
                return (v >> 24 & 255) + "." + (v >> 16 & 255) + "." + (v >> 8 & 255) + "." + (v & 255);
            }
            int[] groups = new int[8];
            for (int i = 0; i < 8; i++) {
                groups[i] = value.shiftRight(112 - 16 * i).intValue() & 0xffff;
            }
            int bestStart = -1, bestLen = 1; // a single zero group is never compressed
            for (int i = 0; i < 8; i++) {
                int j = i;
                while (j < 8 && groups[j] == 0) j++;
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = Math.max(i, j);
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    out.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') out.append(':');
                out.append(Integer.toHexString(groups[i]));
            }
            return out.toString();
        }
    }

    /** A prefix as written: {@code ip} keeps its host bits, as Go's {@code Prefix.Addr()} does. */
    record Cidr(Ip ip, int prefixLength) {
        Cidr masked() {
            int hostBits = ip.bits() - prefixLength;
            return new Cidr(new Ip(ip.family(), ip.value().shiftRight(hostBits).shiftLeft(hostBits)), prefixLength);
        }

        boolean contains(Ip other) {
            int hostBits = ip.bits() - prefixLength;
            return other.family() == ip.family()
                    && other.value().shiftRight(hostBits).equals(ip.value().shiftRight(hostBits));
        }

        boolean contains(Cidr other) {
            return other.prefixLength() >= prefixLength && contains(other.ip());
        }

        @Override
        public String toString() {
            return ip + "/" + prefixLength;
        }
    }

    static Optional<Ip> parseIp(String s) {
        Ip ip = goParseAddr(s);
        return ip == null || isIpv4MappedIpv6(ip) ? Optional.empty() : Optional.of(ip);
    }

    static Optional<Cidr> parseCidr(String s) {
        int slash = s.lastIndexOf('/');
        if (slash < 0) return Optional.empty();
        Optional<Ip> ip = parseIp(s.substring(0, slash)); // a zone fails here, as in ParsePrefix
        String bits = s.substring(slash + 1);
        // Go refuses a sign or leading zeros in the prefix length ("/024", "/+8").
        if (ip.isEmpty() || bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Character::isDigit)
                || (bits.length() > 1 && bits.charAt(0) == '0')) {
            return Optional.empty();
        }
        int length = Integer.parseInt(bits);
        return length > ip.get().bits() ? Optional.empty() : Optional.of(new Cidr(ip.get(), length));
    }

    private static boolean isIpv4MappedIpv6(Ip ip) {
        return ip.family() == 6 && ip.value().shiftRight(32).equals(BigInteger.valueOf(0xffff));
    }

    /** Go's netip.ParseAddr; null where Go returns an error. Zones are dropped as errors here. */
    private static Ip goParseAddr(String s) {
        for (int i = 0; i < s.length(); i++) {
            switch (s.charAt(i)) {
                case '.' -> {
                    Long v4 = parseIpv4(s);
                    return v4 == null ? null : new Ip(4, BigInteger.valueOf(v4));
                }
                case ':' -> {
                    return parseIpv6(s);
                }
                case '%' -> {
                    return null;
                }
                default -> {}
            }
        }
        return null;
    }

    private static Long parseIpv4(String s) {
        long result = 0;
        int val = 0, digits = 0, fields = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits == 1 && val == 0) return null; // leading zero
                val = val * 10 + (c - '0');
                if (++digits > 3 || val > 255) return null;
            } else if (c == '.') {
                if (i == 0 || i == s.length() - 1 || s.charAt(i - 1) == '.' || fields == 3) return null;
                result = result << 8 | val;
                fields++;
                val = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return fields == 3 ? result << 8 | val : null;
    }

    private static Ip parseIpv6(String in) {
        if (in.indexOf('%') >= 0) return null; // Go accepts a zone; Kubernetes refuses it
        int[] bytes = new int[16];
        int i = 0, ellipsis = -1;
        String s = in;
        if (s.startsWith("::")) {
            ellipsis = 0;
            s = s.substring(2);
            if (s.isEmpty()) return new Ip(6, BigInteger.ZERO);
        }
        while (i < 16) {
            int off = 0, acc = 0;
            for (; off < s.length(); off++) {
                int d = Character.digit(s.charAt(off), 16);
                if (d < 0 || s.charAt(off) > 'f') break; // Character.digit also takes non-ASCII digits
                if (off > 3) return null; // more than four hex digits
                acc = acc << 4 | d;
            }
            if (off == 0) return null;
            if (off < s.length() && s.charAt(off) == '.') { // trailing embedded IPv4
                if ((ellipsis < 0 && i != 12) || i + 4 > 16) return null;
                Long v4 = parseIpv4(s);
                if (v4 == null) return null;
                for (int k = 0; k < 4; k++) bytes[i + k] = (int) (v4 >> (24 - 8 * k) & 255);
                i += 4;
                s = "";
                break;
            }
            bytes[i++] = acc >> 8;
            bytes[i++] = acc & 255;
            s = s.substring(off);
            if (s.isEmpty()) break;
            if (s.charAt(0) != ':' || s.length() == 1) return null;
            s = s.substring(1);
            if (s.charAt(0) == ':') {
                if (ellipsis >= 0) return null; // a second "::"
                ellipsis = i;
                s = s.substring(1);
                if (s.isEmpty()) break;
            }
        }
        if (!s.isEmpty()) return null;
        if (i < 16) {
            if (ellipsis < 0) return null;
            int n = 16 - i;
            for (int j = i - 1; j >= ellipsis; j--) bytes[j + n] = bytes[j];
            for (int j = ellipsis; j < ellipsis + n; j++) bytes[j] = 0;
        } else if (ellipsis >= 0) {
            return null; // "::" must stand for at least one group of zeros
        }
        BigInteger value = BigInteger.ZERO;
        for (int b : bytes) value = value.shiftLeft(8).or(BigInteger.valueOf(b));
        return new Ip(6, value);
    }
}

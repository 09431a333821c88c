package io.ironlb.l2.linux;

import java.util.List;

/**
 * Classic BPF programs for packet sockets, so the kernel hands the speaker only neighbour
 * discovery out of all IPv6 traffic (a busy node sees far more IPv6 than NDP).
 */
public final class Bpf {

  private Bpf() {}

  public record Insn(int code, int jt, int jf, int k) {}

  public record Program(List<Insn> insns) {
    public Program {
      insns = List.copyOf(insns);
    }

    public int length() {
      return insns.size();
    }
  }

  private static final int LD_H_ABS = 0x28;
  private static final int LD_B_ABS = 0x30;
  private static final int JEQ_K = 0x15;
  private static final int RET_K = 0x06;

  /**
   * Accepts untagged IPv6 frames carrying ICMPv6 (next header 58, no extension headers) of type
   * 135 or 136. Offsets are from the Ethernet header, which Linux gives without its VLAN tag.
   */
  public static Program neighborDiscovery() {
    return new Program(List.of(
        new Insn(LD_H_ABS, 0, 0, 12),
        new Insn(JEQ_K, 0, 6, 0x86dd),
        new Insn(LD_B_ABS, 0, 0, 20),
        new Insn(JEQ_K, 0, 4, 58),
        new Insn(LD_B_ABS, 0, 0, 54),
        new Insn(JEQ_K, 1, 0, 135),
        new Insn(JEQ_K, 0, 1, 136),
        new Insn(RET_K, 0, 0, 0x40000),
        new Insn(RET_K, 0, 0, 0)));
  }
}

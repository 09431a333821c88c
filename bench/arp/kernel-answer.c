// An experiment, not part of IronLB (bench/arp/kernel-answer builds and attaches it): answers ARP
// requests for one address (bytes V0-V3) with one MAC (bytes M0-M5) at tc ingress, by turning the
// request into the reply in place and sending it back out of the interface it came in on. It sizes
// what answering in the kernel would give; see docs/BENCHMARKS.md, "Sparse requests".
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#define SEC(n) __attribute__((section(n), used))
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *) 23;

SEC("tc")
int arp_answer(struct __sk_buff *skb) {
  unsigned char *p = (unsigned char *)(long) skb->data;
  unsigned char *end = (unsigned char *)(long) skb->data_end;
  if (p + 42 > end) return TC_ACT_OK;
  if (p[12] != 0x08 || p[13] != 0x06) return TC_ACT_OK;
  if (p[14] != 0 || p[15] != 1 || p[16] != 0x08 || p[17] != 0 || p[18] != 6 || p[19] != 4 || p[20] != 0 || p[21] != 1) return TC_ACT_OK;
  if (p[38] != V0 || p[39] != V1 || p[40] != V2 || p[41] != V3) return TC_ACT_OK;
  if (p[28] == V0 && p[29] == V1 && p[30] == V2 && p[31] == V3) return TC_ACT_OK;
  unsigned char sha[6], spa[4];
  __builtin_memcpy(sha, p + 22, 6);
  __builtin_memcpy(spa, p + 28, 4);
  const unsigned char mac[6] = {M0, M1, M2, M3, M4, M5};
  __builtin_memcpy(p, sha, 6);
  __builtin_memcpy(p + 6, mac, 6);
  p[21] = 2;
  __builtin_memcpy(p + 22, mac, 6);
  p[28] = V0; p[29] = V1; p[30] = V2; p[31] = V3;
  __builtin_memcpy(p + 32, sha, 6);
  __builtin_memcpy(p + 38, spa, 4);
  return bpf_redirect(skb->ifindex, 0);
}
char _license[] SEC("license") = "GPL";

package io.ironlb.announce;

import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.Vip;

/** The mark {@code ironlb.io/ip-conflict} on a Service: a device outside the cluster answered for {@code ip}. */
public record ConflictMark(Vip ip, MacAddress mac) {}

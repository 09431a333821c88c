package io.ironlb.ipam;

/** {@code spec.ipFamilyPolicy}. */
public enum FamilyPolicy { SINGLE_STACK, PREFER_DUAL_STACK, REQUIRE_DUAL_STACK }

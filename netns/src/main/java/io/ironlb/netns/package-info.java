/**
 * Network-namespace primitives for the lab and for network tests; the overview is on
 * {@link io.ironlb.netns.TestNetwork}.
 */
package io.ironlb.netns;

/**
 * Network-namespace primitives for the lab and for network tests; the overview is on
 * {@link io.ironlb.lab.net.TestNetwork}.
 */
package io.ironlb.lab.net;

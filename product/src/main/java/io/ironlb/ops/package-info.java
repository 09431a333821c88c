/**
 * The operator's tools: {@code ironlb status} (what is announced where, conflicts, pool usage) and
 * {@code ironlb check} (the seed guide's manual checks, and more, as one preflight).
 *
 * <p>Both read the cluster once into a {@link io.ironlb.ops.ClusterSnapshot} and then work on it
 * with pure functions ({@link io.ironlb.ops.StatusReport}, {@link io.ironlb.ops.Checks}), which
 * reuse the core's own rules (pool parsing and overlaps from {@code ipam}, interface eligibility
 * from {@code l2}) so that a check says exactly what the controller and the speakers will do. They
 * run with the user's kubeconfig (as {@code kubectl} does) and only read.
 */
package io.ironlb.ops;

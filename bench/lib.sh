# Sourced by every bench/*/run: JDK 25, the jars built (./ironlb builds them when sources changed),
# and `bench_java CLASS ARGS...`, which runs a class of io.ironlb.bench from the lab's jar.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bin/jdk25.sh
./ironlb --version >/dev/null || { echo "bench: cannot build the jars" >&2; exit 1; }
LAB_JAR="$PWD/lab/target/ironlb-lab.jar"
PRODUCT_JAR="$PWD/product/target/ironlb.jar"
bench_java() {
  local cls="$1"
  shift
  java ${BENCH_JVM_FLAGS:-} -Dironlb.product.jar="$PRODUCT_JAR" -cp "$LAB_JAR" "io.ironlb.bench.$cls" "$@"
}

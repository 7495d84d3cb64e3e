#!/usr/bin/env bash
# The store under kill -9 (issue 20: an acknowledged write must survive): writer processes commit
# numbered rows through H2Store.transact (several threads; each commit also inserts and deletes churn
# rows and rewrites an earlier row, so H2 frees and reuses space) and print each number once transact
# returned; each round kills the writer with SIGKILL after a random number of acknowledged commits and
# reopens the store to list the acknowledged rows missing. Prints the loss rate and the writers'
# commits/s; nothing is asserted (H2StoreCrashTest is the bounded test).
#   bench/store.sh [rounds] [threads] [max acks per round] [retention ms|default] [seed]
#                                                      (defaults 100 4 3000 default, random seed)
# H2's retention time (45 s by default) delays reuse of freed space; 0 reuses it at once, a stress
# beyond what a node runs (it never lowers the retention; H2 calls a lower one dangerous). H2_VERSION=2.5.252 bench/store.sh runs the same against another H2
# (its jar must be in the local Maven repository). Needs Maven and the api module installed
# (mvn -q install -DskipTests -pl bundles/api -am); MAVEN_ARGS passes options (-o, -Dmaven.repo.local=...).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
mvn -q ${MAVEN_ARGS:-} -pl bundles/store test-compile dependency:build-classpath -Dmdep.outputFile="$work/cp" >&2
cp=$(cat "$work/cp")
if [ -n "${H2_VERSION:-}" ]; then
  cp=$(echo "$cp" | sed -E "s#com/h2database/h2/[^/]+/h2-[^/:]+\.jar#com/h2database/h2/$H2_VERSION/h2-$H2_VERSION.jar#")
  [ -f "$(echo "$cp" | tr ':' '\n' | grep "h2-$H2_VERSION.jar")" ] \
    || { echo "h2-$H2_VERSION.jar is not in the local Maven repository" >&2; exit 1; }
fi
echo "H2 $(echo "$cp" | tr ':' '\n' | grep -oE 'h2-[0-9.]+\.jar' | sed 's/h2-//; s/\.jar//'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# a copy of the classes: a build of the module meanwhile would take them away from the writers
cp -r bundles/store/target/classes "$work/classes"
cp -r bundles/store/target/test-classes "$work/test-classes"
java -cp "$work/test-classes:$work/classes:$cp" \
  io.warren.store.internal.H2StoreCrashBench "${1:-100}" "${2:-4}" "${3:-3000}" "${4:-default}" ${5:-} 2>&1 | grep -v '^SLF4J'

#!/usr/bin/env bash
# The relay's indexer alone: EventStore.save in journal segments on one thread, into a fresh H2
# store, printing the thread's CPU time per event as the store grows. Steadier than bench/relay.sh's
# events/s on a shared machine (no client, no network, no other thread of the node), so it is the
# figure to compare two builds of the store by.
#   bench/relay-store.sh [events] [stage] [rounds]   (defaults 200000 50000 2)
# Needs Maven and the modules installed (mvn -B -q install -DskipTests); MAVEN_ARGS passes options (-o).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
mvn -q ${MAVEN_ARGS:-} -pl bundles/nostr test-compile dependency:build-classpath -Dmdep.outputFile="$work/cp" >&2
# a copy of the classes: a build of the module meanwhile would take them away
cp -r bundles/nostr/target/classes "$work/classes"
cp -r bundles/nostr/target/test-classes "$work/test-classes"
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx512m -XX:+UseSerialGC -cp "$work/test-classes:$work/classes:$(cat "$work/cp")" \
  io.warren.nostr.internal.EventStoreBench "$@" 2>&1 | grep -v '^SLF4J'

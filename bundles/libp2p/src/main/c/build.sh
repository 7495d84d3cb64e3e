#!/bin/sh
# Builds the JNI library that gives Noise OpenSSL's ChaCha20-Poly1305 (see warren_aead.c) into
# <classes>/native/linux-x86_64/, where the bundle's Bundle-NativeCode header names it.
# Needs gcc and the JDK's include directory (java.home of the JDK running Maven). On another
# platform, or without gcc, nothing is built and Noise uses its Java implementation.
#   build.sh <classes-dir> <java.home>
set -eu
classes=$1; jdk=$2
src=$(dirname "$0")/warren_aead.c
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) dir=linux-x86_64 ;;
  *) echo "warren_aead: no native build for $(uname -s)/$(uname -m); Noise uses Java crypto"; exit 0 ;;
esac
if ! command -v gcc >/dev/null 2>&1; then
  echo "warren_aead: gcc not found; Noise uses Java crypto (install gcc for OpenSSL's ChaCha20-Poly1305)"
  exit 0
fi
[ -f "$jdk/include/jni.h" ] || jdk=$(dirname "$jdk")
[ -f "$jdk/include/jni.h" ] || { echo "warren_aead: jni.h not found under $2" >&2; exit 1; }
mkdir -p "$classes/native/$dir"
gcc -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter \
    -I"$jdk/include" -I"$jdk/include/linux" -o "$classes/native/$dir/libwarren_aead.so" "$src" -ldl

#!/usr/bin/env bash
# Builds the libFuzzer harnesses with AddressSanitizer and UndefinedBehaviorSanitizer into
# build/fuzz/ (or the directory given). libFuzzer and the sanitizer runtimes come with the Debian
# package libclang-rt-19-dev (scripts/setup installs it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-build/fuzz}
mkdir -p "$out"

if [[ ! -e $(clang-19 --print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a ]]; then
  echo "build.sh: libFuzzer is missing: install the Debian package libclang-rt-19-dev (scripts/setup installs it)" >&2
  exit 2
fi

flags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Wextra)
clang-19 "${flags[@]}" -Inative test/fuzz/native/engine-fuzz.c native/engine.c -o "$out/engine-fuzz"
clang-19 "${flags[@]}" -Istartup -Inative/loader test/fuzz/native/loader-validate-fuzz.c native/loader/validate.c \
  -o "$out/loader-validate-fuzz"
clang-19 "${flags[@]}" -Inative/loader test/fuzz/native/loader-address-fuzz.c native/loader/address.c -o "$out/loader-address-fuzz"

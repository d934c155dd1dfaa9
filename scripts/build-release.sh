#!/bin/sh
# The release build of verity that `make install` installs and `make bench` measures, its flags in
# one place; arguments go on to `swift build` (--scratch-path DIR, --product NAME).
#   --static-swift-stdlib: the Swift runtime linked in, nothing of Swift to load at start.
#   -disable-concrete-type-metadata-mangled-name-accessors: a concrete generic type's metadata
#     (KeyedEncodingContainer<CodingKeys>, ...) made by a direct call that passes its conformances,
#     not from its mangled name, for which the runtime looks each conformance up by walking every
#     conformance record of the program: 13 % of `case show`'s instructions (BENCHMARKS.md).
#   --no-export-dynamic: the toolchain's link line exports every public function of the program
#     (5,500 symbols) to the dynamic loader, which hashes them at start and looks through them
#     for each symbol a shared library asks for; nothing loads the program's symbols by name.
#   libstdc++ linked in too: the runtime's C++ library, whose shared form costs each start its
#     loading, relocation and locale set-up. The toolchain's link line asks for -lstdc++; a folder
#     holding only the static archive, first on the library path, makes the linker take that.
#     Without the archive (no libstdc++-dev), the shared library.
#   lld with packed relative relocations (DT_RELR, glibc 2.36+): the program's 43,000 pointers to
#     relocate at start are described in 8 KB instead of a 1 MB table the loader reads through.
#     Without the toolchain's lld or on an older glibc, the toolchain's default linker.
# What each saves of `case show`: BENCHMARKS.md, "Short commands at the floor".
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"

archive=$("${CC:-cc}" -print-file-name=libstdc++.a 2>/dev/null || clang -print-file-name=libstdc++.a 2>/dev/null || true)
if [ -f "$archive" ]; then
  mkdir -p "$here/.build-libstdcxx"
  ln -sf "$archive" "$here/.build-libstdcxx/libstdc++.a"
  set -- -Xlinker "-L$here/.build-libstdcxx" "$@"
else
  echo "build-release.sh: no static libstdc++ (libstdc++-dev); linking the shared one" >&2
fi

swift_bin=$(command -v "${SWIFT:-swift}" || true)
toolchain_bin=$(dirname "$(readlink -f "${swift_bin:-/nonexistent}")")
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
# shellcheck disable=SC2086 # $glibc: "MAJOR MINOR", two words on purpose
if [ -x "$toolchain_bin/ld.lld" ] && [ -n "$glibc" ] && [ "$(printf '%d%03d' $glibc)" -ge 2036 ]; then
  set -- -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs "$@"
else
  echo "build-release.sh: no lld in the toolchain or glibc before 2.36; relocations unpacked" >&2
fi

exec "${SWIFT:-swift}" build -c release --static-swift-stdlib \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
  -Xlinker --no-export-dynamic "$@"

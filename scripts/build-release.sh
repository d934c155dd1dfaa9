#!/bin/sh
# The release build of verity that `make install` installs and `make bench` measures, its flags in
# one place; arguments go on to `swift build` (--scratch-path DIR, --product NAME).
#   --static-swift-stdlib: the Swift runtime linked in, nothing of Swift to load at start.
#   -disable-concrete-type-metadata-mangled-name-accessors: a concrete generic type's metadata
#     (KeyedEncodingContainer<CodingKeys>, ...) made by a direct call that passes its conformances,
#     not from its mangled name, for which the runtime looks each conformance up by walking every
#     conformance record of the program: 13 % of `case show`'s instructions (BENCHMARKS.md).
set -eu
exec "${SWIFT:-swift}" build -c release --static-swift-stdlib \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"

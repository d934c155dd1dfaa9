import CLibPQ

/// Incremental SHA-256 over OpenSSL's libcrypto, the library libpq already
/// loads for TLS and SCRAM. A value type, like the hashers of swift-crypto it
/// replaces: a copy hashes on independently (copy-on-write of the OpenSSL
/// context), and reading the digest does not end the hashing.
public struct SHA256Hasher {
    /// SHA-256 fetched once from the default provider: an `EVP_sha256()` per
    /// digest would look the algorithm up again for every history row.
    nonisolated(unsafe) private static let algorithm: OpaquePointer = {
        guard let fetched = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL's libcrypto has no SHA-256 (is its default provider missing?)")
        }
        return fetched
    }()

    /// Owns one `EVP_MD_CTX`.
    private final class Context {
        let pointer: OpaquePointer

        init() {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex2(context, SHA256Hasher.algorithm, nil) == 1 else {
                fatalError("OpenSSL could not start a SHA-256 digest (out of memory?)")
            }
            pointer = context
        }

        init(copying other: Context) {
            guard let context = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(context, other.pointer) == 1 else {
                fatalError("OpenSSL could not copy a SHA-256 digest (out of memory?)")
            }
            pointer = context
        }

        deinit { EVP_MD_CTX_free(pointer) }
    }

    private var context = Context()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        // Only fails for a context that was never initialised, which `Context` rules out.
        _ = EVP_DigestUpdate(context.pointer, base, bytes.count)
    }

    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest of everything hashed so far, as lowercase hex; hashing may go on.
    public func hexDigest() -> String {
        let finished = Context(copying: context)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(finished.pointer, &digest, &length)
        return Self.hex(digest.prefix(Int(length)))
    }

    /// SHA-256 of `bytes` in one call, as lowercase hex.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, algorithm, nil) == 1 else {
            fatalError("OpenSSL could not compute a SHA-256 digest (out of memory?)")
        }
        return hex(digest.prefix(Int(length)))
    }

    static func hex(_ digest: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

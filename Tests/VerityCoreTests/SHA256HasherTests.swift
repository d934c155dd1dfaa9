import Testing
@testable import VerityCore

/// SHA-256 now comes from libcrypto through CLibPQ: the published test vectors,
/// and the value semantics the swift-crypto hasher had.
@Suite("SHA-256 over libcrypto")
struct SHA256HasherTests {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    // FIPS 180-2's two-block message.
    static let twoBlockText = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    static let twoBlock = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

    @Test("the published vectors, one-shot and incremental")
    func vectors() {
        #expect(SHA256Digest.hex(of: "") == Self.empty)
        #expect(SHA256Digest.hex(of: "abc") == Self.abc)
        #expect(SHA256Digest.hex(of: Self.twoBlockText) == Self.twoBlock)
        var hasher = SHA256Hasher()
        #expect(hasher.hexDigest() == Self.empty)
        for character in Self.twoBlockText { hasher.update(String(character)) }
        #expect(hasher.hexDigest() == Self.twoBlock)
    }

    @Test("reading the digest does not end the hashing, and a copy hashes on by itself")
    func valueSemantics() {
        var hasher = SHA256Hasher()
        hasher.update("a")
        let copy = hasher
        var other = hasher
        hasher.update("bc")
        #expect(hasher.hexDigest() == Self.abc)
        #expect(hasher.hexDigest() == Self.abc)
        #expect(copy.hexDigest() == SHA256Digest.hex(of: "a"))
        Array("bc".utf8).withUnsafeBytes { other.update($0) }
        #expect(other.hexDigest() == Self.abc)
        #expect(copy.hexDigest() == SHA256Digest.hex(of: "a"))
    }

    @Test("a million bytes in uneven pieces hash like one piece")
    func pieces() {
        let bytes = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256Hasher()
        var start = 0
        var step = 1
        while start < bytes.count {
            let end = min(start + step, bytes.count)
            bytes[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
            step = step * 3 % 65_537 + 1
        }
        #expect(hasher.hexDigest() == bytes.withUnsafeBytes { SHA256Hasher.hex(of: $0) })
    }
}

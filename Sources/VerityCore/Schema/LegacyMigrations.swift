#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The migrations of the releases before the baseline: sql/001..016 (there
/// was no 004) and the unreleased 017, by name and SHA-256. A desk whose
/// record is exactly one of these sets already has the tables of
/// `migrations/001_baseline.sql` (and, with 017, of `002_access.sql`): it is
/// recorded as at that point without running anything, and its definitions
/// are re-applied. The files themselves are kept only as test fixtures
/// (Tests/Fixtures/legacy-sql), to build such desks and prove the upgrade.
enum LegacyMigrations {
    static let released: [(name: String, checksum: String)] = [
        ("001_workflow.sql", "9de9d34e5e199881c2ebfd81795a35fe8719abb69c6c043a294247aeaa25d9c7"),
        ("002_rules.sql", "bbe1dfd3e59c03d6313c0f715c83a2017be6991f1c293694a444c1f71d3b276b"),
        ("003_import.sql", "669889eb09df456dd58f1901b393bed59d57b3e16dec48714e450795a311e5bf"),
        ("005_audit_chain.sql", "67e370d4549a6c192498fc44de8f9e89d413ea9d7a2f1bbf364d30daf099f6a8"),
        ("006_roles_and_restricted.sql", "5a76fc8525e741923a987849289efb3518496ac3f098b8c1d781a9cad164bb65"),
        ("007_four_eyes_and_links.sql", "550a95b422ff7c0d0e411438022722ece2ebaf15658989cde1a8eed602274ec0"),
        ("008_custody_and_output_log.sql", "a12e69187b1e1eacaf75185182f1c54083a4f26e6bca30547f6ca11c8e7ce809"),
        ("009_fast_history.sql", "cc3cbf049aea07917431a0b58e00fb1263171f6093a3482e4f84cf15cfc1cc2c"),
        ("010_access_for_links_and_custody.sql", "51cd8ccfafc5768b9ba627f89ded8dbd105336ea926379bab5adaf259d776006"),
        ("011_review_fixes.sql", "7db196b77d875489a66e9bbd15fe74362b10ec5a817582a96dfc2ae0591c384f"),
        ("012_collected_on_import.sql", "78c7c09a00c3612d24e6dd030f5d36985608911253d5a1a3fec429c7c2cd44b6"),
        ("013_cheaper_actor.sql", "70f7b681c78b3d2840fee4109102ba214adaffe0328f7bb7fba0f6e1ddfcf382"),
        ("014_bulk_import.sql", "4a23a746f83960dcf343944073aa74562b6efcff31cd617bdd2ef1aa9f7b4084"),
        ("015_cheaper_checks.sql", "8a747d0354c40488b73b0d79841bbd13d5cdf5125d6dc93a7f885e523cb1743e"),
        ("016_bulk_history.sql", "ac7be371d4975d4470f7b80abffdf2ad8b59f85170dd8a2272aa4a53016ab169"),
    ]
    /// The access migration that was on the development branch only; its tables are `002_access.sql`'s.
    static let access = (name: "017_access.sql", checksum: "d4e0f5f2381893aa892739ec5844c94b034680953c315147550ea42441ceabc9")

    /// Whether a record name is one of the old, flat `sql/NNN_*.sql` names.
    static func isLegacy(_ name: String) -> Bool { !name.utf8.contains(UInt8(ascii: "/")) }

    /// The versioned migrations a legacy record stands for, or an error that
    /// says what is wrong with it. `records` are the legacy rows only.
    static func equivalent(of records: [(name: String, checksum: String)]) throws -> [String] {
        let recorded = Dictionary(records.map { ($0.name, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        var expected = Dictionary(uniqueKeysWithValues: released.map { ($0.name, $0.checksum) })
        var result = ["migrations/001_baseline.sql"]
        if recorded[access.name] != nil {
            expected[access.name] = access.checksum
            result.append("migrations/002_access.sql")
        }
        let missing = expected.keys.filter { recorded[$0] == nil }.sorted()
        let unknown = recorded.keys.filter { expected[$0] == nil }.sorted()
        let changed = expected.keys.filter { recorded[$0] != nil && recorded[$0] != expected[$0] }.sorted()
        guard missing.isEmpty, unknown.isEmpty, changed.isEmpty else {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { problems.append("unknown \(unknown.joined(separator: ", "))") }
            if !changed.isEmpty { problems.append("changed after release: \(changed.joined(separator: ", "))") }
            throw VerityError(
                .failure,
                "the database was migrated by an older Verity, but not to a state this build can upgrade ("
                    + problems.joined(separator: "; ") + ")",
                hint: "migrate it with the release it came from (all of sql/001..016), then run `verity db migrate` again")
        }
        return result
    }
}

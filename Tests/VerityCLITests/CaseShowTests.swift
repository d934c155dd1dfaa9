import Testing

@Suite("verity case show, read in one pipeline")
struct CaseShowTests {
    @Test("a case shows the same by number and by reference, in every format; an unknown number is not found")
    func byNumberAndReference() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "claim", "--claimant", "someone", "--ref", "IZY-009"], environment: env).status == 0)
        #expect(verity(["case", "dispute", "IZY-009", "--reason", "denied"], environment: env).status == 0)
        #expect(verity(["evidence", "add", "1", "--stance", "refutes", "--credibility", "4", "--note", "n"], environment: env).status == 0)
        for format in ["table", "json", "csv"] {
            let byNumber = verity(["case", "show", "1", "--format", format], environment: env)
            let byReference = verity(["case", "show", "IZY-009", "--format", format], environment: env)
            #expect(byNumber.status == 0, "\(byNumber.stderr)")
            #expect(byNumber.stdout == byReference.stdout)
        }
        let missing = verity(["case", "show", "99"], environment: env)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("error: no case 99"))
    }
}

import Testing
import VerityCore

@Suite("the Admiralty grade roll-up")
struct GradeRollUpTests {
    @Test("counts grades per stance, best first, and leaves context out of the sentence")
    func summary() {
        let rollUp = GradeRollUp(grades: [
            (.supports, "C3"), (.supports, "B2"), (.refutes, "E5"), (.supports, "B2"), (.context, "A1"),
        ])
        #expect(rollUp.summary == "2 × B2, 1 × C3 supporting; 1 × E5 refuting")
        #expect(rollUp.supporting == [.init(grade: "B2", count: 2), .init(grade: "C3", count: 1)])
        #expect(rollUp.context == [.init(grade: "A1", count: 1)])
    }

    @Test("one stance alone, and no evidence at all, read naturally")
    func edges() {
        #expect(GradeRollUp(grades: [(.refutes, "D4")]).summary == "1 × D4 refuting")
        #expect(GradeRollUp(grades: [(.context, "F6")]).summary == "no supporting or refuting evidence")
        #expect(GradeRollUp(grades: []).supporting.isEmpty)
    }
}

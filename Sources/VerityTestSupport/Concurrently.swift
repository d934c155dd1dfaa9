import Foundation

/// Runs `body(0)`…`body(count - 1)` each on a thread of its own and waits for all.
///
/// Not `DispatchQueue.global()`: on Linux its worker threads are capped near the
/// number of CPUs, so sixteen blocking "concurrent" workers would really run two
/// at a time on a two-core machine.
public func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
    group.wait()
}

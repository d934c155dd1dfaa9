import CLibPQ
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A notice the server sent with a statement's result: what a trigger reports
/// about a change it made on its own (e.g. a withdrawn verdict proposal).
public struct Notice: Sendable, Equatable {
    public let sqlState: SQLState
    public let message: String
    public let detail: String?
}

/// The notices of a connection that the application asked for by SQLSTATE
/// class; every other notice ("relation already exists, skipping") is for
/// DBAs and dropped, so the buffer holds only what a caller will read.
final class NoticeBuffer {
    static let keptClass = "VR"
    var notices: [Notice] = []

    /// Installs the receiver on `handle`; `buffer` must live as long as the connection.
    static func install(on handle: OpaquePointer, buffer: NoticeBuffer) {
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
                guard let state = field(Int32(verity_diag_sqlstate)), state.hasPrefix(NoticeBuffer.keptClass),
                    let message = field(Int32(verity_diag_message_primary))
                else { return }
                Unmanaged<NoticeBuffer>.fromOpaque(context).takeUnretainedValue().notices.append(
                    Notice(sqlState: SQLState(rawValue: state), message: message, detail: field(Int32(verity_diag_message_detail))))
            },
            Unmanaged.passUnretained(buffer).toOpaque())
    }
}

extension Connection {
    /// The notices of class VR received since the last call, oldest first.
    public func takeNotices() -> [Notice] {
        defer { noticeBuffer.notices.removeAll() }
        return noticeBuffer.notices
    }
}

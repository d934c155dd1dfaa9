import PostgresClient

/// A connection that `Database.open` hands out instead of connecting, while it
/// is set for the current task. `verity batch` sets it so that every command of
/// a batch runs on the batch's one connection, opened and migration-checked
/// once, without each command having to know it runs inside a batch.
///
/// `Connection` is not `Sendable`; this box is only ever read on the thread of
/// the batch that created it (the batch runs its commands one after another),
/// which is what `@unchecked` promises.
public final class SharedConnection: @unchecked Sendable {
    public let connection: Connection

    public init(_ connection: Connection) { self.connection = connection }

    @TaskLocal public static var current: SharedConnection?
}

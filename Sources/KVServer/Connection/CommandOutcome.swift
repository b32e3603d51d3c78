import KVCore

/// What the connection does after a command ran.
enum CommandOutcome {
    /// Send the reply and go on with the next command.
    case reply(Reply)
    /// Send the reply, then close the connection (QUIT, a protocol error).
    case replyAndClose(Reply)
    /// An HTTP request sent to the RESP port (`POST`, `Host:`): close at once, reply nothing,
    /// run nothing after it — a web page must not reach the store (cross-protocol scripting).
    case refuseCrossProtocol
    /// Hold this and every later reply until replicas acknowledge (WAIT).
    case waitForReplicas(count: Int, timeoutMilliseconds: Int)
    /// Hold this and every later reply until replicas (and, with `local`, this pod) fsynced
    /// the connection's last write (WAITAOF).
    case waitForFsync(local: Bool, count: Int, timeoutMilliseconds: Int)
    /// Hold this and every later reply until a snapshot taken now is published (SAVE).
    case waitForSnapshot
    /// Shut the server down as SIGTERM does, after a snapshot with `save` (SHUTDOWN).
    case shutdown(save: Bool)
    /// Answer +OK, then send this connection every command the pod executes (MONITOR).
    case startMonitor
    /// Blocked on keys until a write serves it or its timeout passes (BLPOP, …): the client
    /// is registered already (`BlockedClients`); the answer comes through `client`.
    case block(BlockedClient)
    /// Hold this and every later reply until this pod has applied `lsn` (KV.WAITLSN).
    case waitForLSN(LSN, timeoutMilliseconds: Int)
    /// Turn this connection into a clone being served (KV.CLONE).
    case serveClone
    /// Turn this connection into a replica's stream (KV.STREAM).
    case serveStream(history: HistoryID, after: LSN, epoch: Epoch, podName: String, listeningPort: Int?)
    /// Turn this connection into the records after (`epoch`, `after`) being sent (KV.FETCH).
    case serveFetch(history: HistoryID, after: LSN, epoch: Epoch)
    /// Run a Lua script on the script thread; the connection waits for its reply (EVAL, …).
    case runScript(ScriptRequest)
}

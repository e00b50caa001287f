"""Databases: PostgreSQL (and Patroni), MySQL/MariaDB, Redis, MongoDB, Elasticsearch, Cassandra, SQL Server."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "databases",
    r"""
# PostgreSQL: FATAL is a session ending, often routine; PANIC and corruption are not
postgresql | FATAL | w | password authentication failed for user "{user}"
postgresql | FATAL | w | password authentication failed for user "{user}"\nDETAIL:  Connection matched file "/etc/postgresql/16/main/pg_hba.conf" line {n}: "host all all 0.0.0.0/0 scram-sha-256"
postgresql | FATAL | w | no pg_hba.conf entry for host "{ip}", user "{user}", database "{db}", no encryption
postgresql | FATAL | w | database "{db}" does not exist
postgresql | FATAL | w | role "{user}" does not exist
postgresql | FATAL | i | the database system is starting up
postgresql | FATAL | i | the database system is shutting down
postgresql | FATAL | w | terminating connection due to administrator command
postgresql | FATAL | w | terminating connection due to idle-in-transaction timeout
postgresql | FATAL | w | canceling authentication due to timeout
postgresql | FATAL | w | terminating connection due to conflict with recovery\nDETAIL:  User query might have needed to see row versions that must be removed.
postgresql | FATAL | C | remaining connection slots are reserved for non-replication superuser connections
postgresql | FATAL | C | sorry, too many clients already
postgresql | FATAL | C | data directory "/var/lib/postgresql/16/main" has invalid permissions\nDETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).
postgresql | FATAL | C | could not open file "global/pg_control": Permission denied
postgresql | FATAL | e | could not receive data from WAL stream: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.
postgresql | ERROR | C | requested WAL segment 0000000100000{hex}000000{n} has already been removed
postgresql | ERROR | w | duplicate key value violates unique constraint "{table}_pkey"\nDETAIL:  Key (id)=({int}) already exists.
postgresql | ERROR | e | deadlock detected\nDETAIL:  Process {pid} waits for ShareLock on transaction {int}; blocked by process {pid}.
postgresql | ERROR | w | canceling statement due to statement timeout
postgresql | ERROR | w | canceling statement due to user request
postgresql | ERROR | w | relation "{table}" does not exist at character {n}
postgresql | ERROR | w | syntax error at or near "{word}" at character {n}
postgresql | ERROR | w | could not serialize access due to concurrent update
postgresql | ERROR | w | permission denied for table {table}
postgresql | ERROR | w | null value in column "{word}_id" of relation "{table}" violates not-null constraint
postgresql | ERROR | w | value too long for type character varying({n})
postgresql | ERROR | C | invalid page in block {int} of relation base/{int}/{int}
postgresql | ERROR | C | could not read block {int} in file "base/{int}/{int}": read only 0 of 8192 bytes
postgresql | ERROR | C | missing chunk number 0 for toast value {int} in pg_toast_{int}
postgresql | ERROR | C | uncommitted xmin {int} from before xid cutoff {int} needs to be frozen
postgresql | ERROR | C | database is not accepting commands to avoid wraparound data loss in database "{db}"
postgresql | WARNING | C | database "{db}" must be vacuumed within {int} transactions
postgresql | WARNING | w | there is no transaction in progress
postgresql | WARNING | w | worker took too long to start; canceled
postgresql | PANIC | C | could not write to file "pg_wal/xlogtemp.{pid}": No space left on device
postgresql | PANIC | C | could not locate a valid checkpoint record
postgresql | PANIC | C | could not fsync file "base/{int}/{int}": Input/output error
postgresql | LOG | C | server process (PID {pid}) was terminated by signal 9: Killed\nDETAIL:  Failed process was running: SELECT * FROM {table} WHERE id = $1
postgresql | LOG | C | server process (PID {pid}) was terminated by signal 11: Segmentation fault
postgresql | LOG | C | terminating any other active server processes
postgresql | LOG | C | all server processes terminated; reinitializing
postgresql | LOG | e | database system was not properly shut down; automatic recovery in progress
postgresql | LOG | w | database system was interrupted; last known up at {date} {time} UTC
postgresql | LOG | i | checkpoint starting: time
postgresql | LOG | i | checkpoint complete: wrote {int} buffers ({float}%); 0 WAL file(s) added, 0 removed, {n} recycled; write={float} s, sync={float} s, total={float} s
postgresql | LOG | w | checkpoints are occurring too frequently ({n} seconds apart)\nHINT:  Consider increasing the configuration parameter "max_wal_size".
postgresql | LOG | i | database system was shut down at {date} {time} UTC
postgresql | LOG | i | database system is ready to accept connections
postgresql | LOG | i | received fast shutdown request
postgresql | LOG | i | aborting any active transactions
postgresql | LOG | i | background worker "logical replication launcher" (PID {pid}) exited with exit code 1
postgresql | LOG | i | automatic vacuum of table "{db}.public.{table}": index scans: 1\n\tpages: 0 removed, {int} remain, {int} scanned (100.00% of total)
postgresql | LOG | i | automatic analyze of table "{db}.public.{table}"
postgresql | LOG | i | duration: {float} ms  statement: SELECT id, status FROM {table} WHERE id = {int}
postgresql | LOG | d | connection received: host={ip} port={port}
postgresql | LOG | i | connection authorized: user={user} database={db} application_name={svc}
postgresql | LOG | i | disconnection: session time: 0:00:{n}.{int} user={user} database={db} host={ip} port={port}
postgresql | LOG | i | could not receive data from client: Connection reset by peer
postgresql | LOG | w | unexpected EOF on client connection with an open transaction
postgresql | LOG | i | incomplete startup packet
postgresql | LOG | i | started streaming WAL from primary at {hex}/{hex} on timeline {n}
postgresql | LOG | i | temporary file: path "base/pgsql_tmp/pgsql_tmp{pid}.{n}", size {int}
postgresql | LOG | w | process {pid} still waiting for ShareLock on transaction {int} after 1000.{int} ms
postgresql | LOG | e | could not connect to the primary server: connection to server at "{ip}", port 5432 failed: Connection refused
patroni | INFO | i | no action. I am ({host}), the leader with the lock
patroni | INFO | i | no action. I am ({host}), a secondary, and following a leader ({host})
patroni | WARNING | w | Request failed to {host}: GET http://{ip}:8008/patroni (HTTPConnectionPool(host='{ip}', port=8008): Read timed out.)
patroni | INFO | e | promoted self to leader by acquiring session lock
patroni | ERROR | e | failed to update leader lock
patroni | INFO | e | demoting self because I do not have the lock and I was a leader
patroni | ERROR | C | Error communicating with DCS\npatroni: INFO: demoting self because DCS is not accessible and I was a leader
# MySQL / MariaDB
mysql | Warning | w | [MY-010055] [Server] IP address '{ip}' could not be resolved: Name or service not known
mysql | Note | i | Aborted connection {int} to db: '{db}' user: '{user}' host: '{ip}' (Got an error reading communication packets)
mysql | Warning | i | [MY-010914] [Server] Aborted connection {int} to db: '{db}' user: '{user}' host: '{ip}' (Got timeout reading communication packets).
mysql | ERROR | i | [MY-010914] Got an error reading communication packets
mysql | Warning | w | Access denied for user '{user}'@'{ip}' (using password: YES)
mysql | ERROR | C | [MY-012592] [InnoDB] Operating system error number 28 in a file operation.\n[ERROR] [MY-012596] [InnoDB] Error number 28 means 'No space left on device'
mysql | ERROR | C | InnoDB: Database page corruption on disk or a failed file read of tablespace {db}/{table} page [page id: space={int}, page number={int}]. You may have to recover from a backup.
mysql | ERROR | C | [MY-013183] [InnoDB] Assertion failure: btr0cur.cc:{n}:!page_is_comp(page) thread {int}
mysql | ERROR | C | mysqld got signal 11 ;\nMost likely, you have hit a bug, but this error can also be caused by malfunctioning hardware.
mysql | ERROR | C | [MY-010584] [Repl] Slave SQL for channel '': Error 'Duplicate entry '{int}' for key '{table}.PRIMARY'' on query. Default database: '{db}'. Error_code: MY-001062
mysql | ERROR | C | Table './{db}/{table}' is marked as crashed and last (automatic?) repair failed
mysql | ERROR | e | [MY-010584] [Repl] Slave I/O for channel '': error connecting to master 'repl@{ip}:3306' - retry-time: 60 retries: {n} message: Can't connect to MySQL server on '{ip}:3306' (111), Error_code: MY-002003
mysql | ERROR | e | Error reading packet from server for channel '': Lost connection to MySQL server during query (server_errno=2013)
mysql | ERROR | C | [MY-010000] [Server] Too many connections
mysql | ERROR | C | [MY-011300] [Server] Plugin 'InnoDB' registration as a STORAGE ENGINE failed.\n[ERROR] [MY-010119] [Server] Aborting
mysql | Note | i | [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.{n}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.
mysql | Note | i | InnoDB: Buffer pool(s) load completed at {date} {time}
mysql | Warning | w | InnoDB: page_cleaner: 1000ms intended loop took {int}ms. The settings might not be optimal. (flushed={n} and evicted=0, during the time.)
mysql | Warning | i | [MY-013360] [Server] Plugin mysql_native_password reported: ''mysql_native_password' is deprecated and will be removed in a future release. Please use caching_sha2_password instead'
mysql | Warning | w | Lock wait timeout exceeded; try restarting transaction
mysql | Note | i | [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.{n}) starting as process {pid}
mysql | Note | i | Event Scheduler: Loaded 0 events
mysql | Warning | w | [MY-011068] [Server] The syntax 'log_slave_updates' is deprecated and will be removed in a future release.
mysql | ERROR | e | [MY-011071] [Server] Slave replication lag {int} seconds behind master
# Redis and Sentinel
redis | notice | i | * Ready to accept connections tcp
redis | notice | i | * Background saving started by pid {pid}
redis | notice | i | * Background saving terminated with success
redis | notice | i | * DB saved on disk
redis | notice | i | * {n} changes in 3600 seconds. Saving...
redis | notice | i | * Server initialized
redis | warning | i | # WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition.
redis | warning | i | # WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.
redis | notice | i | # User requested shutdown...
redis | warning | e | # Background saving error
redis | warning | C | # Can't save in background: fork: Cannot allocate memory
redis | warning | C | -MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled.
redis | warning | e | # Connection with master lost.
redis | notice | i | * MASTER <-> REPLICA sync: Finished with success
redis | notice | w | * Connecting to MASTER {ip}:6379
redis | warning | C | # Error accepting a client connection: accept: Too many open files
redis | warning | C | -OOM command not allowed when used memory > 'maxmemory'.
redis | warning | w | # Client id={int} addr={ip}:{port} laddr={ip}:6379 fd={n} name= age={n} idle=0 flags=N db=0 cmd=psubscribe scheduled to be closed ASAP for overcoming of output buffer limits.
redis | warning | C | # Short read or OOM loading DB. Unrecoverable error, aborting now.
redis | warning | C | # Bad file format reading the append only file appendonly.aof.{n}.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>
redis | warning | C | === REDIS BUG REPORT START: Cut & paste starting from here ===\n# Redis {version} crashed by signal: 11, si_code: 1
redis | warning | C | # Cluster state changed: fail
redis | notice | i | # Cluster state changed: ok
redis-sentinel | warning | e | +sdown master mymaster {ip} 6379
redis-sentinel | warning | C | +odown master mymaster {ip} 6379 #quorum 2/2
redis-sentinel | warning | e | +switch-master mymaster {ip} 6379 {ip} 6379
redis-sentinel | warning | i | +failover-end master mymaster {ip} 6379
redis-sentinel | warning | i | -sdown slave {ip}:6379 {ip} 6379 @ mymaster {ip} 6379
redis-sentinel | warning | i | +sentinel sentinel {hex} {ip} 26379 @ mymaster {ip} 6379
# MongoDB (structured log messages)
mongod | I | i | Connection accepted remote: {ip}:{port} connectionId: {int} connectionCount: {n}
mongod | I | i | Connection ended remote: {ip}:{port} connectionId: {int}
mongod | I | i | Slow query ns: {db}.{table} durationMillis: {int} planSummary: IXSCAN {{ userId: 1 }}
mongod | I | w | Authentication failed mechanism: SCRAM-SHA-256 user: {user} db: admin error: AuthenticationFailed: SCRAM authentication failed, storedKey mismatch
mongod | I | i | WiredTiger message: [{big}:{int}][{pid}:{addr}], WT_SESSION.checkpoint: [WT_VERB_CHECKPOINT_PROGRESS] saving checkpoint snapshot min: {int}
mongod | I | w | Transition to primary complete; database writes are now permitted
mongod | I | w | Replica set state transition newState: SECONDARY oldState: PRIMARY reason: stepping down from primary, because a higher priority node is available
mongod | I | e | Member is now in state DOWN hostAndPort: {host}:27017
mongod | I | w | Member is now in state RECOVERING hostAndPort: {host}:27017
mongod | I | C | Can't see a majority of the set, relinquishing primary
mongod | F | C | Fatal assertion msgid: {int} file: src/mongo/db/storage/wiredtiger/wiredtiger_util.cpp line: {n}
mongod | F | C | Invariant failure expr: opCtx->lockState()->isLocked() file: src/mongo/db/catalog/collection_impl.cpp line: {n}
mongod | E | C | WiredTiger error message: [{big}:{int}][{pid}:{addr}], file:collection-{n}-{big}.wt, WT_CURSOR.search: __wt_block_read_off: collection-{n}.wt: read checksum error for 4096B block at offset {int}: block header checksum of 0x{hex} doesn't match expected checksum of 0x{hex}
mongod | E | C | WiredTiger error: WT_PANIC: WiredTiger library panic
mongod | E | e | Index build failed buildUUID: {uuid} collectionUUID: {uuid} error: E11000 duplicate key error collection: {db}.{table} index: email_1
mongod | I | i | Interrupted operation as its client disconnected opId: {int}
mongod | I | i | Received signal signal: 15 (Terminated)
mongod | W | w | Detected unclean shutdown - Lock file is not empty
mongod | I | i | Waiting for connections port: 27017 ssl: off
mongod | W | w | Access control is not enabled for the database. Read and write access to data and configuration is unrestricted
mongod | E | C | Failed to mount filesystem: No space left on device\nmongod: Fatal assertion 28595 NoSpace
# Elasticsearch / OpenSearch
elasticsearch | INFO | i | [o.e.c.r.a.AllocationService] [{host}] current.health="GREEN" message="Cluster health status changed from [YELLOW] to [GREEN] (reason: [shards started [[{word}][0]]])." previous.health="YELLOW"
elasticsearch | INFO | w | [o.e.c.r.a.AllocationService] [{host}] Cluster health status changed from [GREEN] to [YELLOW] (reason: [{host} disconnected]).
elasticsearch | WARN | C | [o.e.c.r.a.AllocationService] [{host}] Cluster health status changed from [YELLOW] to [RED] (reason: [shards failed [[{word}][{n}]]]).
elasticsearch | WARN | e | [o.e.c.r.a.DiskThresholdMonitor] [{host}] high disk watermark [90%] exceeded on [{hex}][{host}][/data/elasticsearch/nodes/0] free: {size}[{float}%], shards will be relocated away from this node
elasticsearch | WARN | C | [o.e.c.r.a.DiskThresholdMonitor] [{host}] flood stage disk watermark [95%] exceeded on [{hex}][{host}][/data/elasticsearch/nodes/0] free: {size}[{float}%], all indices on this node will be marked read-only
elasticsearch | INFO | i | [o.e.c.r.a.DiskThresholdMonitor] [{host}] low disk watermark [85%] no longer exceeded on [{hex}][{host}]
elasticsearch | WARN | w | [o.e.m.j.JvmGcMonitorService] [{host}] [gc][{int}] overhead, spent [{dur}] collecting in the last [{dur}]
elasticsearch | ERROR | C | [o.e.b.ElasticsearchUncaughtExceptionHandler] [{host}] fatal error in thread [elasticsearch[{host}][write][T#{n}]], exiting\njava.lang.OutOfMemoryError: Java heap space
elasticsearch | WARN | w | [o.e.d.HandshakingTransportAddressConnector] [{host}] [connectToRemoteMasterNode[{ip}:9300]] completed handshake with [{host}] but followup connection failed
elasticsearch | WARN | e | [o.e.c.c.ClusterFormationFailureHelper] [{host}] master not discovered yet, this node has not previously joined a bootstrapped cluster, and [cluster.initial_master_nodes] is empty on this node
elasticsearch | INFO | e | [o.e.c.s.MasterService] [{host}] node-left[{{{host}}}{{{hex}}} reason: disconnected], term: {n}, version: {int}
elasticsearch | INFO | i | [o.e.c.s.ClusterApplierService] [{host}] added {{{host}}}{{{hex}}}, term: {n}, version: {int}
elasticsearch | WARN | e | [r.suppressed] [{host}] path: /{word}/_search, params: {{index={word}}}\norg.elasticsearch.action.search.SearchPhaseExecutionException: all shards failed
elasticsearch | INFO | i | [o.e.n.Node] [{host}] started {{{host}}}{{{hex}}}{{{ip}}}{{{ip}:9300}}{{cdfhilmrstw}}
elasticsearch | ERROR | C | [o.e.i.e.Engine] [{host}] [{word}][{n}] failed engine [merge failed]\norg.apache.lucene.index.CorruptIndexException: checksum failed (hardware problem?) : expected={hex} actual={hex}
elasticsearch | WARN | w | [o.e.t.TransportService] [{host}] Received response for a request that has timed out, sent [{dur}] ago, timed out [{dur}] ago, action [internal:coordination/fault_detection/follower_check]
elasticsearch | DEBUG | w | [o.e.a.b.TransportShardBulkAction] [{host}] [{word}][{n}] failed to execute bulk item (index) index {{[{word}][_doc][{hex}]}}\norg.elasticsearch.index.mapper.MapperParsingException: failed to parse field [{word}] of type [long]
elasticsearch | WARN | e | [o.e.a.b.TransportBulkAction] rejected execution of coordinating operation [coordinating_and_primary_bytes={int}, max_coordinating_and_primary_bytes={int}]
elasticsearch | INFO | i | [o.e.c.m.MetadataCreateIndexService] [{host}] [{word}-{date}] creating index, cause [auto(bulk api)], templates [{word}], shards [1]/[1]
elasticsearch | WARN | i | [o.e.d.c.m.IndexNameExpressionResolver] [{host}] this request accesses system indices: [.security-7], but in a future major version, direct access to system indices will be prevented by default
# Cassandra
cassandra | INFO | i | [CompactionExecutor:{n}] Compacted (id {uuid}) {n} sstables to [/var/lib/cassandra/data/{db}/{table}-{hex}/nb-{int}-big,] to level=0.  {size} to {size}
cassandra | WARN | w | [GCInspector:1] G1 Old Generation GC in {int}ms.  G1 Old Gen: {int} -> {int}
cassandra | WARN | e | [ScheduledTasks:1] MUTATION messages were dropped in last 5000 ms: {int} internal and {int} cross node
cassandra | INFO | e | [GossipStage:1] InetAddress /{ip} is now DOWN
cassandra | INFO | i | [GossipStage:1] InetAddress /{ip} is now UP
cassandra | INFO | i | [GossipStage:1] Node /{ip} state jump to NORMAL
cassandra | ERROR | C | [COMMIT-LOG-ALLOCATOR] Failed managing commit log segments. Commit disk failure policy is stop; terminating thread\norg.apache.cassandra.io.FSWriteError: java.io.IOException: No space left on device
cassandra | ERROR | C | [ReadStage-{n}] Exiting due to error while processing commit log during initialization.\norg.apache.cassandra.db.commitlog.CommitLogReadHandler$CommitLogReadException: Mutation checksum failure
cassandra | ERROR | e | [Native-Transport-Requests-{n}] Unexpected exception during request; channel = [id: 0x{hex}, L:/{ip}:9042 ! R:/{ip}:{port}]\nio.netty.channel.unix.Errors$NativeIoException: readAddress(..) failed: Connection reset by peer
cassandra | WARN | w | [ReadStage-{n}] Read {int} live rows and {int} tombstone cells for query SELECT * FROM {db}.{table} LIMIT 5000
# SQL Server
mssql | - | w | Login failed for user '{user}'. Reason: Password did not match that for the login provided. [CLIENT: {ip}]
mssql | - | C | The transaction log for database '{db}' is full due to 'LOG_BACKUP'.
mssql | - | C | SQL Server detected a logical consistency-based I/O error: incorrect checksum (expected: 0x{hex}; actual: 0x{hex}). It occurred during a read of page ({n}:{int}) in database ID {n}
mssql | - | i | Recovery is complete. This is an informational message only. No user action is required.
mssql | - | w | SQL Server has encountered {n} occurrence(s) of I/O requests taking longer than 15 seconds to complete on file [D:\MSSQL\DATA\{db}.mdf] in database id {n}.
mssql | - | e | Transaction (Process ID {n}) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.
mssql | - | i | BACKUP DATABASE successfully processed {int} pages in {float} seconds ({float} MB/sec).
""",
)

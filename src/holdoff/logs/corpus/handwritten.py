"""Single lines written by hand, without placeholders: the one-off messages real systems print, and more of
the hard cases (alarming words that are routine, quiet words that are an outage)."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "handwritten",
    r"""
# alarming words, routine meaning
app | ERROR | i | Error: no such file or directory, stat '/app/.env.local' (falling back to defaults)
app | FATAL | w | FATAL: could not find optional plugin 'metrics-exporter'; continuing without metrics
app | ERROR | i | Error 404: page not found
app | ERROR | w | ERROR 403 Forbidden: token lacks scope read:orders
app | CRITICAL | w | CRITICAL: disk usage at 71% (threshold 70%)
app | WARN | i | Warning: this is a test alert from the monitoring setup page
app | ERROR | i | Expected error in integration test: simulated failure injected
app | ERROR | i | Chaos experiment 'kill-random-pod' terminated pod checkout-7d9 as planned
app | INFO | i | Error budget remaining this month: 82%
app | INFO | i | Fixed bug where crash reports were not uploaded
app | INFO | i | Panic button feature enabled for tenant acme
app | ERROR | i | Client sent malformed JSON: Expecting value: line 1 column 1 (char 0)
app | ERROR | i | Request aborted by client after 30 seconds
app | ERROR | w | Upstream returned 429 Too Many Requests, backing off
app | WARN | i | Retry 1/3 for job nightly-report succeeded
app | ERROR | i | Failed to parse User-Agent header, using default
app | ERROR | i | Killed idle connection to client after 300s
app | WARN | i | Deprecated API version v1 called by client mobile-ios/5.2
app | ERROR | w | Timed out waiting for lock on report cache, serving previous version
app | FATAL | i | FATAL ERROR in test fixture teardown (ignored in production)
app | ERROR | i | Exception caught and handled: user cancelled upload
app | INFO | i | Disk cleanup freed 12 GB on /var/log
app | INFO | i | Failover test completed successfully; primary restored
app | INFO | i | Certificate renewed successfully; new expiry in 90 days
app | INFO | i | Previous crash detected, recovery completed, no data lost
kernel | - | i | Bluetooth: hci0: unexpected event for opcode 0x0000
kernel | - | i | usb 2-1: device descriptor read/64, error -71
kernel | - | i | ACPI Warning: SystemIO range conflicts with OpRegion
kernel | - | i | pci 0000:00:1c.0: BAR 14: failed to assign [mem size 0x00200000]
kernel | - | i | intel_rapl_common: Found RAPL domain package
kernel | - | i | kvm: disabled by bios
kernel | - | i | platform regulatory.0: Direct firmware load for regulatory.db failed with error -2
kernel | - | i | ima: Error Communicating to TPM chip
kernel | - | i | EXT4-fs (sda1): warning: mounting fs with errors, running e2fsck is recommended
sshd | - | i | error: PAM: Authentication failure for illegal user admin from 203.0.113.7
sshd | - | i | Did not receive identification string from 198.51.100.23 port 51432
postgresql | FATAL | i | FATAL:  the database system is in recovery mode
postgresql | ERROR | w | ERROR:  current transaction is aborted, commands ignored until end of transaction block
mysql | ERROR | i | [ERROR] mysqld: Table 'performance_schema.session_variables' doesn't exist
redis | - | i | # Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started
docker | - | i | WARNING: No swap limit support
docker | - | i | Error response from daemon: Conflict. The container name "/web" is already in use
java | WARN | i | WARNING: An illegal reflective access operation has occurred
java | ERROR | i | SLF4J: Failed to load class "org.slf4j.impl.StaticLoggerBinder".
java | ERROR | i | log4j:WARN No appenders could be found for logger (org.apache.http.impl.conn).
python | WARNING | i | UserWarning: The default value of n_init will change from 10 to 'auto' in 1.4
python | ERROR | i | ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.
go | - | i | go: downloading github.com/stretchr/testify v1.8.4
systemd | - | i | Failed to canonicalize path /etc/default/locale: No such file or directory
systemd | - | i | /lib/systemd/system/plymouth-start.service:23: Unit configured to use KillMode=none.
nginx | - | i | 2024/03/02 11:22:33 [error] 12#12: *8 favicon.ico not found
# quiet words, real outage
app | INFO | C | Shutting down: received SIGKILL from OOM killer
app | INFO | C | All 3 replicas of shard 7 are gone; writes to shard 7 are failing
app | INFO | C | Service unavailable: 0 of 12 backends healthy
app | INFO | C | Checkout success rate dropped to 0% over the last 10 minutes
app | INFO | C | Cluster lost quorum (1 of 3 members reachable); cluster is read-only
app | INFO | C | Primary database unreachable; application entering maintenance mode
app | INFO | C | Queue depth 2,400,000 and rising; no consumers connected for 45 minutes
app | INFO | C | Nightly billing run produced 0 invoices (expected ~18,000)
app | INFO | C | Filesystem /data remounted read-only after errors
app | NOTICE | C | Detected two active leaders for partition group 4; fencing both
app | INFO | C | Ransomware canary file /srv/share/.canary.docx was modified
app | INFO | C | Root password changed by unknown process
app | INFO | C | Process exited with status 137 (killed by OOM)
app | INFO | C | Certificate for api.example.com expired 2 hours ago
app | INFO | C | Disk /dev/sdb removed from array after 3 medium errors
app | INFO | C | Persistent volume data-postgres-0 is full (100%)
app | INFO | C | Leader election failed repeatedly, no leader for 120 seconds
app | INFO | C | Backup volume corruption detected: 14 chunks unreadable
app | DEBUG | C | segfault in worker 3; core dumped; service restarting in a loop
kernel | - | C | sd 0:0:0:0: [sda] Synchronizing SCSI cache\nsd 0:0:0:0: [sda] Stopping disk\nata1.00: disabled
kernel | - | C | EXT4-fs (dm-0): previous I/O error to superblock detected
kernel | - | C | Aborting journal on device dm-0-8.
kernel | - | C | systemd[1]: Caught <SEGV>, dumped core as pid 4242.\nsystemd[1]: Freezing execution.
kernel | - | C | Watchdog timer expired, rebooting
kernel | - | C | ECC: Uncorrectable error detected on memory controller 1, system halted
kernel | - | C | CPU 12: Machine Check Exception: 4 Bank 5: be00000000800400
kernel | - | C | Hardware error detected: processor context corrupt
kernel | - | C | Thermal shutdown: CPU temperature 110C above critical limit
go | - | C | panic: close of nil channel
go | - | C | fatal error: all goroutines are asleep - deadlock!
go | - | C | panic: interface conversion: interface {} is nil, not string
java | - | C | java.lang.StackOverflowError\n\tat com.acme.tree.Node.depth(Node.java:42)\n\tat com.acme.tree.Node.depth(Node.java:42)
java | - | C | Exception in thread "main" java.lang.NoClassDefFoundError: org/slf4j/LoggerFactory\nCaused by: java.lang.ClassNotFoundException: org.slf4j.LoggerFactory
python | - | C | Fatal Python error: Cannot recover from stack overflow.
python | - | C | RecursionError: maximum recursion depth exceeded while calling a Python object\nworker process exited with code 1; not restarting
node | - | C | Segmentation fault (core dumped)
node | - | C | Aborted (core dumped)
app | - | C | *** stack smashing detected ***: terminated
app | - | C | double free or corruption (!prev)\nAborted (core dumped)
app | - | C | malloc(): corrupted top size
app | - | C | terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc
app | - | C | Illegal instruction (core dumped)
app | - | C | Bus error (core dumped)
# plain good news and chatter
app | INFO | i | Connected to database primary at db-primary:5432
app | INFO | i | Listening on 0.0.0.0:8443
app | INFO | i | Migrations up to date
app | INFO | i | Warm-up complete, ready to serve traffic
app | INFO | i | Rotated log file
app | DEBUG | d | heartbeat ok
app | DEBUG | d | tick
app | DEBUG | d | entering function process_batch
app | TRACE | d | socket read 512 bytes
app | DEBUG | d | Sending request to upstream
app | INFO | i | Reloading configuration
app | INFO | i | Job finished
app | INFO | i | Cleanup completed
app | INFO | i | Starting
app | INFO | i | Stopped
app | NOTICE | i | Maintenance window started for db-replica-2
app | INFO | i | User session expired, redirecting to login
app | INFO | i | Successfully authenticated user via SSO
app | WARN | w | Slow query detected (2.3s): SELECT * FROM orders WHERE status = 'open'
app | WARN | w | Memory usage at 85% of limit
app | WARN | w | Connection pool usage at 90%
app | WARN | w | Disk usage on /var at 88%
app | WARN | w | Clock drift of 1.2s detected against NTP
app | ERROR | e | Failed to refresh OAuth token for integration slack: invalid_grant
app | ERROR | e | Export job 4412 failed: S3 PutObject AccessDenied
app | ERROR | e | Could not reach payment provider sandbox; test transactions failing
app | ERROR | e | Search index rebuild failed at 63%, will retry tonight
""",
)

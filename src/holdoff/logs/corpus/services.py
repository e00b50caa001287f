"""Application services: Python (Django, gunicorn, uvicorn, SQLAlchemy), Go, Node.js, PHP, Ruby on Rails,
.NET, and the business events services log about themselves."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "services",
    r"""
python | ERROR | e | Traceback (most recent call last):\n  File "/app/{word}/views.py", line {n}, in get\n    return self.service.fetch(pk)\n  File "/app/{word}/service.py", line {n}, in fetch\n    return self.cache[key]\nKeyError: '{word}'
python | ERROR | e | Exception in ASGI application\nTraceback (most recent call last):\n  File "/usr/local/lib/python3.11/site-packages/uvicorn/protocols/http/httptools_impl.py", line 426, in run_asgi\n    result = await app(self.scope, self.receive, self.send)\nValueError: invalid literal for int() with base 10: '{word}'
python | INFO | i | {ip}:{port} - "{method} {url} HTTP/1.1" 200 OK
python | INFO | i | {ip}:{port} - "GET {url} HTTP/1.1" 404 Not Found
python | INFO | w | {ip}:{port} - "POST {url} HTTP/1.1" 500 Internal Server Error
python | INFO | i | Application startup complete.
python | INFO | i | Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)
python | INFO | i | Waiting for application shutdown.
python | CRITICAL | e | WORKER TIMEOUT (pid:{pid})
python | INFO | i | Booting worker with pid: {pid}
python | ERROR | e | Worker (pid:{pid}) was sent SIGKILL! Perhaps out of memory?
python | ERROR | C | Worker failed to boot.\nReason: App failed to load.
python | WARNING | i | Not Found: {url}
python | ERROR | e | Internal Server Error: {url}\nTraceback (most recent call last):\n  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner\n    response = get_response(request)\nAttributeError: 'NoneType' object has no attribute '{word}'
python | ERROR | i | Invalid HTTP_HOST header: '{ip}'. You may need to add '{ip}' to ALLOWED_HOSTS.
python | WARNING | i | Forbidden (CSRF cookie not set.): {url}
python | ERROR | e | (psycopg2.OperationalError) connection to server at "{host}" ({ip}), port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?
python | WARNING | w | Retrying (Retry(total=2, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<urllib3.connection.HTTPSConnection object at {addr}>: Failed to establish a new connection: [Errno 111] Connection refused')': {url}
python | INFO | i | Found credentials from IAM Role: {svc}-role
python | ERROR | e | Unhandled exception in event loop:\n  File "/usr/lib/python3.11/asyncio/events.py", line 84, in _run\nException in callback _SelectorSocketTransport._read_ready()\nConnectionResetError: [Errno 104] Connection reset by peer
python | WARNING | d | DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal in a future version.
python | - | C | Fatal Python error: Segmentation fault\n\nCurrent thread 0x{hex} (most recent call first):\n  File "/app/{word}/native.py", line {n} in decode
python | ERROR | C | Traceback (most recent call last):\n  File "/app/main.py", line {n}, in <module>\n    main()\n  File "/app/main.py", line {n}, in main\n    data = load_all()\nMemoryError
python | CRITICAL | C | Could not connect to any database replica; shutting down worker pool ({n} workers)
python | ERROR | w | Task exception was never retrieved\nfuture: <Task finished name='Task-{int}' coro=<fetch() done> exception=TimeoutError()>
python | INFO | i | Processed batch of {int} records in {dur}
python | DEBUG | d | Starting new HTTPS connection (1): {fqdn}:443
python | DEBUG | d | {fqdn}:443 "GET {url} HTTP/1.1" 200 {int}
python | DEBUG | d | Cache miss for key {word}:{int}
go | - | C | panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc={addr}]\n\ngoroutine {n} [running]:\nmain.(*Server).handle{word}(0x{hex}, {{0x{hex}, 0x{hex}}})\n\t/app/server.go:{n} +0x{hex}\nmain.main()\n\t/app/main.go:{n} +0x{hex}
go | - | C | panic: assignment to entry in nil map\n\ngoroutine {n} [running]:\ngithub.com/acme/{svc}/internal/{word}.(*Cache).Put(...)\n\t/src/internal/{word}/cache.go:{n}
go | - | C | panic: runtime error: index out of range [{n}] with length {n}\n\ngoroutine {n} [running]:\nmain.parse({{0x{hex}, 0x{n}}})\n\t/app/parse.go:{n} +0x{hex}
go | - | C | fatal error: concurrent map writes\n\ngoroutine {n} [running]:\nruntime.throw({{0x{hex}, 0x15}})\n\t/usr/local/go/src/runtime/panic.go:1047 +0x5d
go | - | C | fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw({{0x{hex}, 0x16}})\n\t/usr/local/go/src/runtime/panic.go:1077 +0x5c
go | - | C | runtime: goroutine stack exceeds 1000000000-byte limit\nfatal error: stack overflow
go | - | C | panic: send on closed channel\n\ngoroutine {n} [running]:\ngithub.com/acme/{svc}/pkg/queue.(*Queue).Publish(...)
go | - | e | http: panic serving {ip}:{port}: runtime error: index out of range [{n}] with length {n}\ngoroutine {int} [running]:\nnet/http.(*conn).serve.func1()
go | - | i | http: TLS handshake error from {ip}:{port}: EOF
go | - | i | http: TLS handshake error from {ip}:{port}: remote error: tls: bad certificate
go | - | i | http: TLS handshake error from {ip}:{port}: tls: client offered only unsupported versions: [302 301]
go | info | i | level=info ts={date}T{time}Z caller=main.go:{n} msg="server started" addr=:8080
go | error | i | level=error ts={date}T{time}Z caller=handler.go:{n} msg="request failed" err="context canceled" path={url}
go | error | w | level=error ts={date}T{time}Z caller=store.go:{n} msg="query failed" err="pq: canceling statement due to user request"
go | warn | w | level=warn ts={date}T{time}Z caller=retry.go:{n} msg="retrying" attempt={n} err="dial tcp {ip}:5432: connect: connection refused"
go | error | e | level=error ts={date}T{time}Z caller=retry.go:{n} msg="giving up" attempts=5 err="dial tcp {ip}:5432: connect: connection refused"
go | info | i | level=info ts={date}T{time}Z caller=retry.go:{n} msg="request succeeded after retry" attempt={n} upstream={svc}
go | error | e | {{"level":"error","ts":{big}.{int},"caller":"{word}/handler.go:{n}","msg":"upstream returned 503","service":"{svc}","latency":"{dur}"}}
go | info | i | {{"level":"info","ts":{big}.{int},"caller":"{word}/server.go:{n}","msg":"request completed","method":"{method}","path":"{url}","status":200,"duration":"{dur}"}}
go | debug | d | {{"level":"debug","ts":{big}.{int},"caller":"{word}/pool.go:{n}","msg":"connection returned to pool","idle":{n}}}
go | fatal | C | level=fatal ts={date}T{time}Z caller=main.go:{n} msg="failed to load config" err="open /etc/{svc}/config.yaml: no such file or directory"
go | fatal | C | {{"level":"fatal","ts":{big}.{int},"caller":"cmd/main.go:{n}","msg":"cannot start server","error":"listen tcp :8080: bind: address already in use"}}
go | warn | w | level=warn ts={date}T{time}Z msg="slow request" method={method} path={url} duration={dur}
go | warn | w | [core] [Channel #{n} SubChannel #{n}] grpc: addrConn.createTransport failed to connect to {{Addr: "{host}:9090", ServerName: "{host}:9090", }}. Err: connection error: desc = "transport: Error while dialing: dial tcp {ip}:9090: i/o timeout"
go | error | C | level=error ts={date}T{time}Z caller=db.go:{n} component=tsdb msg="opening storage failed" err="open /prometheus/wal/{int}: no space left on device"
go | warn | w | level=warn ts={date}T{time}Z caller=manager.go:{n} component="rule manager" msg="Evaluating rule failed" rule="alert: {word}" err="query timed out in expression evaluation"
go | error | e | level=error ts={date}T{time}Z caller=notifier.go:{n} component=notifier alertmanager=http://{host}:9093/api/v2/alerts count={n} msg="Error sending alert" err="Post \"http://{host}:9093/api/v2/alerts\": context deadline exceeded"
go | info | i | level=info ts={date}T{time}Z caller=head.go:{n} component=tsdb msg="Head GC completed" duration={dur}
go | warn | w | level=warn ts={date}T{time}Z caller=scrape.go:{n} component="scrape manager" scrape_pool={svc} target=http://{ip}:9100/metrics msg="Append failed" err="out of bounds"
node | - | e | Error: connect ECONNREFUSED {ip}:{port}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {{\n  errno: -111,\n  code: 'ECONNREFUSED',\n  syscall: 'connect'\n}}
node | - | e | (node:{pid}) UnhandledPromiseRejectionWarning: Error: Request failed with status code 500\n    at createError (/app/node_modules/axios/lib/core/createError.js:16:15)
node | - | C | <--- Last few GCs --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7a940 node::Abort() [node]
node | - | C | node:internal/process/promises:288\n            triggerUncaughtException(err, true /* fromPromise */);\n            ^\n\n[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block]\nNode.js v18.{n}.0
node | - | i | Server listening on port 3000
node | - | i | GET {url} 304 {float} ms - -
node | - | i | GET {url} 200 {float} ms - {int}
node | error | w | Error: read ECONNRESET\n    at TLSWrap.onStreamRead (node:internal/stream_base_commons:217:20)
node | - | e | npm ERR! code ELIFECYCLE\nnpm ERR! errno 1\nnpm ERR! {svc}@{version} start: `node server.js`\nnpm ERR! Exit status 1
node | - | w | [nodemon] app crashed - waiting for file changes before starting...
node | warn | w | (node:{pid}) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 error listeners added to [TLSSocket]. Use emitter.setMaxListeners() to increase limit
php | - | e | PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate {int} bytes) in /var/www/html/{word}/{file}.php on line {n}
php | - | w | PHP Warning:  Undefined array key "{word}" in /var/www/html/{word}.php on line {n}
php | - | i | PHP Notice:  Only variables should be passed by reference in /var/www/html/lib/{word}.php on line {n}
php | - | i | PHP Deprecated:  Creation of dynamic property {word}::${word} is deprecated in /var/www/html/src/{word}.php on line {n}
php | - | e | PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/html/src/Db.php:{n}\nStack trace:\n#0 /var/www/html/src/Db.php({n}): PDO->__construct()
php | - | e | PHP Fatal error:  Uncaught Error: Call to a member function {word}() on null in /var/www/html/src/{word}.php:{n}
php-fpm | WARNING | w | [pool www] server reached pm.max_children setting ({n}), consider raising it
php-fpm | WARNING | e | [pool www] child {pid} exited on signal 9 (SIGKILL) after {float} seconds from start
php-fpm | WARNING | w | [pool www] child {pid}, script '/var/www/html/index.php' (request: "GET /index.php") executing too slow ({float} sec), logging
php-fpm | ERROR | C | unable to bind listening socket for address '/run/php/php8.2-fpm.sock': Address already in use (98)\nFPM initialization failed
php-fpm | NOTICE | i | fpm is running, pid {pid}
php-fpm | NOTICE | i | ready to handle connections
rails | INFO | i | Started GET "{url}" for {ip} at {date} {time} +0000
rails | INFO | i | Completed 200 OK in {ms}ms (Views: {float}ms | ActiveRecord: {float}ms | Allocations: {int})
rails | FATAL | i | ActionController::RoutingError (No route matches [GET] "{url}"):
rails | FATAL | i | ActiveRecord::RecordNotFound (Couldn't find User with 'id'={int}):
rails | FATAL | i | ActionController::InvalidAuthenticityToken (Can't verify CSRF token authenticity.):
rails | FATAL | e | ActiveRecord::ConnectionTimeoutError (could not obtain a connection from the pool within 5.000 seconds (waited 5.00{n} seconds); all pooled connections were in use):
rails | FATAL | e | NoMethodError (undefined method `{word}' for nil:NilClass):\n  app/controllers/{word}_controller.rb:{n}:in `show'
rails | ERROR | e | PG::ConnectionBad: could not connect to server: No such file or directory\n\tIs the server running locally and accepting connections on Unix domain socket "/var/run/postgresql/.s.PGSQL.5432"?
sidekiq | INFO | i | {word}Worker JID-{hex} INFO: done: {float} sec
sidekiq | WARN | w | {word}Worker JID-{hex} WARN: Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>; retrying in {n}s
sidekiq | ERROR | e | {word}Worker JID-{hex} ERROR: Retries exhausted for {word}Worker: Faraday::ConnectionFailed
dotnet | fail | e | Microsoft.AspNetCore.Server.Kestrel[13]\n      Connection id "{hex}", Request id "{hex}:00000002": An unhandled exception was thrown by the application.\n      System.InvalidOperationException: Sequence contains no elements
dotnet | info | i | Microsoft.Hosting.Lifetime[0]\n      Application started. Press Ctrl+C to shut down.
dotnet | info | i | Microsoft.Hosting.Lifetime[0]\n      Now listening on: http://[::]:8080
dotnet | warn | i | Microsoft.AspNetCore.HttpsPolicy.HttpsRedirectionMiddleware[3]\n      Failed to determine the https port for redirect.
dotnet | warn | i | Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[35]\n      No XML encryptor configured. Key {{{uuid}}} may be persisted to storage in unencrypted form.
dotnet | crit | C | Microsoft.AspNetCore.Hosting.Diagnostics[6]\n      Application startup exception\n      System.IO.IOException: Failed to bind to address http://0.0.0.0:80: address already in use.
dotnet | - | C | Unhandled exception. System.OutOfMemoryException: Exception of type 'System.OutOfMemoryException' was thrown.\n   at System.Collections.Generic.List`1.set_Capacity(Int32 value)
dotnet | fail | e | Microsoft.EntityFrameworkCore.Database.Command[20102]\n      Failed executing DbCommand ({ms}ms) [Parameters=[@__id_0='?' (DbType = Int32)], CommandType='Text', CommandTimeout='30']
dotnet | fail | w | Microsoft.EntityFrameworkCore.Query[10100]\n      An exception occurred while iterating over the results of a query for context type '{word}Context'.\n      System.OperationCanceledException: The operation was canceled.
app | INFO | i | Payment {uuid} processed successfully in {ms}ms
app | INFO | i | Order {int} created for customer {int} total {float} EUR
app | WARN | i | Payment provider declined card for order {int}: card_declined (insufficient_funds)
app | ERROR | i | Payment failed for order {int}: card_declined
app | ERROR | w | Failed to send email to {email}: 550 5.1.1 <{email}>: Recipient address rejected: User unknown
app | WARN | w | Order {int} could not be found
app | WARN | w | Rate limit exceeded for API key ending {hex} ({n} requests in 60s)
app | INFO | i | Invalid input: field 'email' must be a valid address
app | INFO | i | Configuration reloaded from /etc/{svc}/config.yaml
app | INFO | d | Health check passed
app | DEBUG | d | Fetching {word} page {n} of {n}
app | DEBUG | d | Feature flag new-{word} evaluated to false for user {int}
app | ERROR | C | Database connection pool exhausted, rejecting all requests
app | ERROR | C | Data corruption detected in {table}: checksum mismatch for row {int}
app | ERROR | C | Lost {int} events: write to {topic} failed permanently after {n} retries, events dropped
app | ERROR | e | Backup of {db} failed: pg_dump exited with status 1
app | INFO | i | Backup of {db} completed: {size} in {dur}
app | WARN | e | Replication lag is {int} seconds, above threshold 300
app | ERROR | C | All replicas unreachable, serving stale data from cache
app | ERROR | C | Split-brain detected: two primaries for shard {n} ({host}, {host})
app | WARN | w | Scheduled job {word}-sync skipped: previous run still in progress
app | ERROR | e | Message {uuid} moved to dead-letter queue {svc}-dlq after {n} delivery attempts
app | ERROR | C | Dead letter queue {svc}-dlq has {int} messages and is growing; consumers are failing every message
app | WARN | w | Request to {svc} failed (HTTP 503), retry {n}/5 in {ms}ms
app | INFO | i | Request to {svc} succeeded on retry {n}
app | ERROR | e | Request to {svc} failed after 5 retries: HTTP 503 Service Unavailable
app | ERROR | C | Payment service unavailable: {pct}% of checkouts failing for the last 5 minutes
app | INFO | i | Cache warmed: {int} keys loaded in {dur}
app | WARN | w | Cache hit ratio dropped to {pct}%
app | CRITICAL | C | License expired on {date}; service disabled for all tenants
app | ERROR | C | Encryption key {hex} not found in KMS; cannot decrypt customer records
app | ERROR | C | SSL certificate for {fqdn} has expired; all HTTPS connections are failing
app | WARN | w | SSL certificate for {fqdn} expires in {n} days
app | ERROR | e | Webhook delivery to {url} failed with 410 Gone; endpoint disabled
app | INFO | i | Deployed version {version} ({hex}) to {n} instances
app | INFO | i | Graceful shutdown complete
app | ERROR | i | User {int} uploaded file with unsupported type image/heic
app | ERROR | w | Validation error on {url}: missing required field '{word}'
app | ERROR | i | 404 Not Found: {url}
app | ERROR | i | Client closed request before response was sent ({url})
""",
)

"""Web servers and proxies: nginx, Apache httpd, HAProxy, Envoy, Traefik, Caddy, Varnish, Squid, IIS."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "web",
    r"""
# nginx access log: the status alone is no emergency
nginx | - | i | {ip} - - [{date}:{time} +0000] "{method} {url} HTTP/1.1" 200 {int} "-" "Mozilla/5.0 (X11; Linux x86_64)"
nginx | - | i | {ip} - {user} [{date}:{time} +0000] "{method} {url} HTTP/2.0" 304 0 "https://{fqdn}/" "Mozilla/5.0"
nginx | - | i | {ip} - - [{date}:{time} +0000] "GET {url} HTTP/1.1" 404 {int} "-" "curl/8.{n}.0"
nginx | - | i | {ip} - - [{date}:{time} +0000] "GET /wp-admin/setup-config.php HTTP/1.1" 404 153 "-" "Mozilla/5.0 zgrab/0.x"
nginx | - | w | {ip} - - [{date}:{time} +0000] "POST {url} HTTP/1.1" 499 0 "-" "okhttp/4.{n}"
nginx | - | e | {ip} - - [{date}:{time} +0000] "{method} {url} HTTP/1.1" 502 {int} "-" "python-requests/2.{n}"
nginx | - | e | {ip} - - [{date}:{time} +0000] "{method} {url} HTTP/1.1" 504 {int} "-" "Go-http-client/1.1"
nginx | - | w | {ip} - - [{date}:{time} +0000] "{method} {url} HTTP/1.1" 500 {int} "-" "Mozilla/5.0"
nginx | - | i | {ip} - - [{date}:{time} +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.{n}"
# nginx error log
nginx | error | w | *{int} open() "{path}/{file}" failed (2: No such file or directory), client: {ip}, server: {fqdn}, request: "GET {url} HTTP/1.1"
nginx | error | w | *{int} directory index of "{path}/" is forbidden, client: {ip}, server: {fqdn}, request: "GET / HTTP/1.1"
nginx | error | w | *{int} access forbidden by rule, client: {ip}, server: {fqdn}, request: "GET /.git/config HTTP/1.1"
nginx | info | i | *{int} client prematurely closed connection while reading response header from upstream, client: {ip}, server: {fqdn}
nginx | info | i | *{int} client closed keepalive connection
nginx | info | i | *{int} writev() failed (32: Broken pipe) while sending to client, client: {ip}, server: {fqdn}
nginx | info | i | *{int} SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: {ip}, server: 0.0.0.0:443
nginx | info | i | *{int} peer closed connection in SSL handshake while SSL handshaking, client: {ip}, server: 0.0.0.0:443
nginx | error | e | *{int} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {ip}, server: {fqdn}, upstream: "http://{ip}:{port}{url}"
nginx | error | e | *{int} connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, server: {fqdn}, upstream: "http://{ip}:{port}/"
nginx | error | e | *{int} recv() failed (104: Connection reset by peer) while reading response header from upstream, client: {ip}, upstream: "http://{ip}:{port}{url}"
nginx | error | C | *{int} no live upstreams while connecting to upstream, client: {ip}, server: {fqdn}, request: "{method} {url} HTTP/1.1", upstream: "http://{svc}_backend{url}"
nginx | error | w | *{int} limiting requests, excess: {float} by zone "api_limit", client: {ip}, server: {fqdn}
nginx | error | w | *{int} client intended to send too large body: {int} bytes, client: {ip}, server: {fqdn}
nginx | warn | i | *{int} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{n}/{int} while reading upstream
nginx | warn | w | could not build optimal server_names_hash, you should increase either server_names_hash_max_size or server_names_hash_bucket_size
nginx | warn | w | conflicting server name "{fqdn}" on 0.0.0.0:80, ignored
nginx | notice | i | signal process started
nginx | notice | i | start worker process {pid}
nginx | notice | i | gracefully shutting down
nginx | notice | i | using the "epoll" event method
nginx | notice | i | signal 1 (SIGHUP) received from {pid}, reconfiguring
nginx | alert | e | worker process {pid} exited on signal 11 (core dumped)
nginx | alert | e | {n} worker_connections are not enough while connecting to upstream
nginx | alert | C | *{int} open() "/var/log/nginx/access.log" failed (28: No space left on device)
nginx | emerg | C | bind() to 0.0.0.0:{port} failed (98: Address already in use)
nginx | emerg | C | cannot load certificate "/etc/ssl/certs/{fqdn}.pem": PEM_read_bio_X509_AUX() failed (SSL: error:0480006C:PEM routines::no start line)
nginx | emerg | C | host not found in upstream "{svc}.internal:{port}" in /etc/nginx/conf.d/{svc}.conf:{n}
nginx | crit | C | *{int} SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed: certificate has expired) while SSL handshaking to upstream
nginx | crit | e | *{int} connect() to unix:/run/php/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream
# Apache httpd
apache | error | w | [core:error] [pid {pid}:tid {int}] [client {ip}:{port}] AH00126: Invalid URI in request GET /..%2f..%2fetc/passwd HTTP/1.1
apache | error | w | [authz_core:error] [pid {pid}] [client {ip}:{port}] AH01630: client denied by server configuration: {path}
apache | error | w | [core:info] [pid {pid}] [client {ip}:{port}] AH00128: File does not exist: {path}/{file}
apache | error | e | [core:error] [pid {pid}] [client {ip}:{port}] AH00124: Request exceeded the limit of 10 internal redirects due to probable configuration error.
apache | error | e | [mpm_event:error] [pid {pid}:tid {int}] AH00484: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting
apache | notice | e | [core:notice] [pid {pid}] AH00052: child pid {pid} exit signal Segmentation fault (11)
apache | notice | i | [mpm_prefork:notice] [pid {pid}] AH00163: Apache/2.4.{n} (Debian) OpenSSL/3.0.{n} configured -- resuming normal operations
apache | notice | i | [core:notice] [pid {pid}] AH00094: Command line: '/usr/sbin/apache2'
apache | notice | i | [mpm_event:notice] [pid {pid}:tid {int}] AH00492: caught SIGWINCH, shutting down gracefully
apache | - | w | AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.1.1. Set the 'ServerName' directive globally to suppress this message
apache | emerg | C | [core:emerg] [pid {pid}] (28)No space left on device: AH00023: Couldn't create the proxy mutex
apache | emerg | C | (98)Address already in use: AH00072: make_sock: could not bind to address [::]:{port}
apache | emerg | C | AH00016: Configuration Failed
apache | error | e | [proxy:error] [pid {pid}:tid {int}] (111)Connection refused: AH00957: HTTP: attempt to connect to {ip}:{port} ({host}) failed
apache | error | e | [proxy_http:error] [pid {pid}:tid {int}] (70007)The timeout specified has expired: [client {ip}:{port}] AH01102: error reading status line from remote server {host}:{port}
apache | error | C | [proxy_balancer:error] [pid {pid}] AH01167: balancer://{svc}cluster: All workers are in error state
apache | warn | w | [ssl:warn] [pid {pid}] AH01909: {fqdn}:443:0 server certificate does NOT include an ID which matches the server name
apache | error | C | [ssl:emerg] [pid {pid}] AH02572: Failed to configure at least one certificate and key for {fqdn}:443
apache | - | i | {ip} - - [{date}:{time} +0000] "GET {url} HTTP/1.1" 200 {int} "-" "Mozilla/5.0"
apache | - | i | {ip} - - [{date}:{time} +0000] "GET {url} HTTP/1.1" 404 {int} "-" "Mozilla/5.0 (compatible; Googlebot/2.1)"
apache | error | i | [ssl:info] [pid {pid}] [client {ip}:{port}] AH01964: Connection to child {n} established (server {fqdn}:443)
apache | error | i | [reqtimeout:info] [pid {pid}] [client {ip}:{port}] AH01382: Request header read timeout
# HAProxy
haproxy | - | i | {ip}:{port} [{date}:{time}.{n}] https-in~ {svc}_back/{host} 0/0/{n}/{ms}/{ms} 200 {int} - - ---- {n}/{n}/{n}/{n}/0 0/0 "{method} {url} HTTP/1.1"
haproxy | - | e | {ip}:{port} [{date}:{time}.{n}] https-in~ {svc}_back/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- {n}/{n}/0/0/0 0/0 "{method} {url} HTTP/1.1"
haproxy | - | w | {ip}:{port} [{date}:{time}.{n}] https-in~ {svc}_back/{host} 0/0/1/-1/{ms} 504 194 - - sH-- {n}/{n}/{n}/{n}/0 0/0 "{method} {url} HTTP/1.1"
haproxy | - | i | {ip}:{port} [{date}:{time}.{n}] https-in~ https-in/<NOSRV> -1/-1/-1/-1/{ms} 400 0 - - CR-- {n}/{n}/0/0/0 0/0 "<BADREQ>"
haproxy | alert | e | Server {svc}_back/{host} is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: {ms}ms. {n} active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
haproxy | warning | w | Server {svc}_back/{host} is DOWN, reason: Layer7 wrong status, code: 503, check duration: {ms}ms. {n} active and 1 backup servers left.
haproxy | notice | i | Server {svc}_back/{host} is UP, reason: Layer7 check passed, code: 200, check duration: {ms}ms. {n} active and 0 backup servers online.
haproxy | emerg | C | backend {svc}_back has no server available!
haproxy | notice | i | Proxy {svc}_back started.
haproxy | notice | i | Loading success.
haproxy | alert | C | Starting frontend https-in: cannot bind socket (Address already in use) [0.0.0.0:443]
haproxy | warning | w | Health check for server {svc}_back/{host} failed, reason: Layer4 timeout, check duration: {ms}ms, status: {n}/3 UP.
# Envoy, Traefik, Caddy
envoy | warning | w | [{date} {time}.{ms}][{n}][warning][config] [source/common/config/grpc_stream.h:{n}] StreamAggregatedResources gRPC config stream to xds_cluster closed: 14, upstream connect error or disconnect/reset before headers. reset reason: connection failure
envoy | - | e | [{date}T{time}.{ms}Z] "{method} {url} HTTP/1.1" 503 UF upstream_reset_before_response_started{{connection_failure}} 0 91 {ms} - "{ip}" "Go-http-client/1.1" "{uuid}" "{svc}:8080" "{ip}:8080"
envoy | - | i | [{date}T{time}.{ms}Z] "{method} {url} HTTP/1.1" 200 - 0 {int} {ms} {ms} "{ip}" "Mozilla/5.0" "{uuid}" "{svc}:8080" "{ip}:8080"
envoy | - | w | [{date}T{time}.{ms}Z] "{method} {url} HTTP/2" 0 DC downstream_remote_disconnect 0 0 {ms} - "{ip}" "grpc-go/1.{n}" "{uuid}" "{svc}:9090" "{ip}:9090"
envoy | info | i | [{date} {time}.{ms}][{n}][info][upstream] [source/common/upstream/cds_api_helper.cc:{n}] cds: added/updated {n} cluster(s), skipped {n} unmodified cluster(s)
envoy | critical | C | [{date} {time}.{ms}][{n}][critical][main] [source/server/server.cc:{n}] error initializing configuration '/etc/envoy/envoy.yaml': Unable to parse JSON as proto
traefik | error | w | level=error msg="Error while Peeking first byte: read tcp {ip}:443->{ip}:{port}: i/o timeout"
traefik | error | e | level=error msg="service \"{svc}@kubernetescrd\" error: unable to find the IP address for the container \"/{svc}\": the server is ignored" providerName=docker
traefik | error | e | level=error msg="Unable to obtain ACME certificate for domains \"{fqdn}\": unable to generate a certificate for the domains [{fqdn}]: acme: error: 429 :: POST :: urn:ietf:params:acme:error:rateLimited" providerName=letsencrypt.acme
traefik | debug | d | level=debug msg="Configuration received from provider kubernetescrd" providerName=kubernetescrd
traefik | info | i | level=info msg="Configuration loaded from flags."
caddy | info | i | {{"level":"info","ts":{big}.{int},"logger":"tls.obtain","msg":"certificate obtained successfully","identifier":"{fqdn}"}}
caddy | error | C | {{"level":"error","ts":{big}.{int},"logger":"tls.renew","msg":"could not get certificate from issuer","identifier":"{fqdn}","error":"certificate expired and renewal failed after 30 attempts"}}
caddy | error | w | {{"level":"error","ts":{big}.{int},"logger":"http.log.error","msg":"dial tcp {ip}:{port}: connect: connection refused","request":{{"remote_ip":"{ip}","method":"{method}","uri":"{url}"}},"duration":{float},"status":502}}
# Varnish, Squid, IIS, Tomcat access
varnish | - | i | {ip} - - [{date}:{time} +0000] "GET http://{fqdn}{url} HTTP/1.1" 200 {int} "-" "Mozilla/5.0" hit
varnish | - | e | Child ({pid}) not responding to CLI, killed it.
varnish | - | e | Child ({pid}) died signal=6 (core dumped)
varnish | - | i | Child ({pid}) Started
squid | - | i | {big}.{n}    {ms} {ip} TCP_MISS/200 {int} GET http://{fqdn}{url} - HIER_DIRECT/{ip} text/html
squid | - | i | {big}.{n}    {ms} {ip} TCP_DENIED/403 {int} CONNECT {fqdn}:443 - HIER_NONE/- text/html
squid | - | C | FATAL: ipcache_init: DNS name lookup tests failed.
squid | - | w | WARNING: Your cache is running out of filedescriptors
iis | - | i | {date} {time} {ip} GET {url} - 443 - {ip} Mozilla/5.0 - 200 0 0 {ms}
iis | - | i | {date} {time} {ip} POST {url} - 443 - {ip} Mozilla/5.0 - 404 0 2 {ms}
iis | - | e | {date} {time} {ip} GET {url} - 443 - {ip} Mozilla/5.0 - 500 19 5 {ms}
iis | - | C | {date} {time} {ip} GET {url} - 443 - {ip} - - 503 2 1 0 AppOffline
""",
)

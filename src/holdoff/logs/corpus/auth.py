"""Authentication and security: sshd, PAM, sudo, login, LDAP, Kerberos, fail2ban, WAF/IDS, audit."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "auth",
    r"""
sshd | info | i | Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{token}
sshd | info | i | Accepted password for {user} from {ip} port {port} ssh2
sshd | info | w | Failed password for {user} from {ip} port {port} ssh2
sshd | info | w | Failed password for invalid user {user} from {ip} port {port} ssh2
sshd | info | w | Failed password for root from {ip} port {port} ssh2
sshd | info | w | Invalid user {user} from {ip} port {port}
sshd | info | i | Connection closed by authenticating user {user} {ip} port {port} [preauth]
sshd | info | i | Connection closed by invalid user {user} {ip} port {port} [preauth]
sshd | info | i | Disconnected from user {user} {ip} port {port}
sshd | info | i | Received disconnect from {ip} port {port}:11: Bye Bye [preauth]
sshd | info | i | Connection reset by {ip} port {port} [preauth]
sshd | err | i | error: kex_exchange_identification: Connection closed by remote host
sshd | err | i | error: kex_exchange_identification: read: Connection reset by peer
sshd | err | i | error: kex_exchange_identification: banner line contains invalid characters
sshd | info | i | banner exchange: Connection from {ip} port {port}: invalid format
sshd | err | w | error: maximum authentication attempts exceeded for {user} from {ip} port {port} ssh2 [preauth]
sshd | info | i | Disconnecting authenticating user {user} {ip} port {port}: Too many authentication failures [preauth]
sshd | crit | i | fatal: Timeout before authentication for {ip} port {port}
sshd | crit | i | fatal: Read from socket failed: Connection reset by peer [preauth]
sshd | err | i | error: Received disconnect from {ip} port {port}:3: com.jcraft.jsch.JSchException: Auth fail [preauth]
sshd | info | w | reverse mapping checking getaddrinfo for {fqdn} [{ip}] failed - POSSIBLE BREAK-IN ATTEMPT!
sshd | info | w | Address {ip} maps to {fqdn}, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!
sshd | err | w | error: Could not load host key: /etc/ssh/ssh_host_ed25519_key
sshd | crit | C | fatal: Cannot bind any address.
sshd | crit | C | fatal: /var/empty/sshd must be owned by root and not group or world-writable.
sshd | info | i | Server listening on 0.0.0.0 port 22.
sshd | info | i | Received signal 15; terminating.
sshd | info | i | pam_unix(sshd:session): session opened for user {user}(uid={int}) by (uid=0)
sshd | info | i | pam_unix(sshd:session): session closed for user {user}
sshd | notice | w | pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}
sshd | info | w | PAM {n} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root
sshd | info | w | pam_faillock(sshd:auth): Consecutive login failures for user {user} account temporarily locked
sshd | info | C | Accepted publickey for root from {ip} port {port} ssh2: RSA SHA256:{token}\nsshd: unknown key added to /root/.ssh/authorized_keys by process {pid} (curl)
sudo | notice | i | {user} : TTY=pts/{n} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart {svc}
sudo | notice | i | {user} : TTY=pts/{n} ; PWD=/srv/{svc} ; USER=root ; COMMAND=/usr/bin/journalctl -u {svc} -f
sudo | info | i | pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={int})
sudo | info | i | pam_unix(sudo:session): session closed for user root
sudo | alert | w | {user} : user NOT in sudoers ; TTY=pts/{n} ; PWD=/home/{user} ; USER=root ; COMMAND=/bin/bash
sudo | alert | w | {user} : 3 incorrect password attempts ; TTY=pts/{n} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/su
sudo | notice | w | pam_unix(sudo:auth): authentication failure; logname={user} uid={int} euid=0 tty=/dev/pts/{n} ruser={user} rhost=  user={user}
su | info | i | (to root) {user} on pts/{n}
su | notice | w | FAILED SU (to root) {user} on pts/{n}
login | notice | w | ROOT LOGIN ON tty1
login | notice | w | FAILED LOGIN 1 FROM tty1 FOR {user}, Authentication failure
useradd | info | i | new user: name={user}, UID={int}, GID={int}, home=/home/{user}, shell=/bin/bash, from=/dev/pts/{n}
useradd | info | C | new user: name=sys{hex}, UID=0, GID=0, home=/dev/shm/.x, shell=/bin/sh, from=none
passwd | notice | i | pam_unix(passwd:chauthtok): password changed for {user}
polkitd | info | i | Registered Authentication Agent for unix-session:{n} (system bus name :1.{int} [/usr/bin/pkttyagent], object path /org/freedesktop/PolicyKit1/AuthenticationAgent, locale en_US.UTF-8)
fail2ban | NOTICE | i | [sshd] Ban {ip}
fail2ban | NOTICE | i | [sshd] Unban {ip}
fail2ban | INFO | i | [sshd] Found {ip} - {date} {time}
fail2ban | WARNING | i | [sshd] {ip} already banned
fail2ban | ERROR | e | Failed to execute ban jail 'sshd' action 'iptables-multiport' info 'ActionInfo({{'ip': '{ip}'}})': Error banning {ip}
slapd | - | i | conn={int} op={n} BIND dn="uid={user},ou=people,dc=example,dc=com" method=128
slapd | - | w | conn={int} op={n} RESULT tag=97 err=49 qtime=0.000{n} etime=0.00{int} text=
slapd | - | i | conn={int} fd={n} ACCEPT from IP={ip}:{port} (IP=0.0.0.0:389)
slapd | - | e | conn={int} op={n} do_syncrepl: rid={n} rc -1 retrying
slapd | - | C | mdb_txn_begin: MDB_PANIC: Update of meta page failed or environment had fatal error (-30795)
krb5kdc | info | i | AS_REQ (4 etypes {{aes256-cts-hmac-sha1-96(18)}}) {ip}: ISSUE: authtime {big}, etypes {{rep=18}}, {user}@EXAMPLE.COM for krbtgt/EXAMPLE.COM@EXAMPLE.COM
krb5kdc | info | w | AS_REQ (4 etypes) {ip}: PREAUTH_FAILED: {user}@EXAMPLE.COM for krbtgt/EXAMPLE.COM@EXAMPLE.COM, Preauthentication failed
krb5kdc | info | e | TGS_REQ (4 etypes) {ip}: PROCESS_TGS: authtime 0,  {user}@EXAMPLE.COM for HTTP/{fqdn}@EXAMPLE.COM, Clock skew too great
sssd | - | e | (Mon {month} {n} {time} {n}) [sssd[be[example.com]]] [sdap_kinit_send] (0x0400): Attempting kinit failed: Cannot contact any KDC for realm 'EXAMPLE.COM'
keycloak | WARN | w | type=LOGIN_ERROR, realmId={uuid}, clientId={svc}, userId=null, ipAddress={ip}, error=user_not_found, username={user}
keycloak | WARN | w | type=LOGIN_ERROR, realmId={uuid}, clientId={svc}, userId={uuid}, ipAddress={ip}, error=invalid_user_credentials
keycloak | INFO | i | type=LOGIN, realmId={uuid}, clientId={svc}, userId={uuid}, ipAddress={ip}, auth_method=openid-connect
keycloak | ERROR | e | Failed to send execute actions email: javax.mail.MessagingException: Could not connect to SMTP host: {fqdn}, port: 587
app | INFO | i | User {user} logged in successfully
app | INFO | i | User {email} logged out
app | INFO | i | Password reset requested for {email}
app | WARN | w | Login failed for {email}: invalid credentials (attempt {n} of 5)
app | WARN | w | Account {email} locked after 5 failed login attempts
app | WARN | w | Invalid or expired session token for user {int}
app | INFO | i | MFA challenge passed for {user}
app | WARN | w | Rejected request with invalid CSRF token from {ip}
app | ERROR | C | SQL injection attempt detected in parameter '{word}' of {url} from {ip}
app | ERROR | C | SQL injection attempt detected in API
app | WARN | w | Blocked SQL injection attempt in parameter '{word}' from {ip} (rule 942100)
app | CRITICAL | C | Critical vulnerability found in package {word}-lib {version} (CVE-20{n}-{int}, CVSS 9.8)
app | WARN | w | Vulnerability scan: {n} medium, {n} low findings in image registry.example.com/{svc}:{version}
app | ERROR | C | Privilege escalation: user {user} granted role admin outside change window by {ip}
app | ERROR | C | Web shell detected: {path}/{hex}.php executed /bin/sh -c id
modsecurity | - | w | ModSecurity: Access denied with code 403 (phase 2). Matched "Operator `Ge' with parameter `5' against variable `TX:ANOMALY_SCORE' (Value: `{n}' ) [file "/etc/modsecurity/crs/REQUEST-949-BLOCKING-EVALUATION.conf"] [msg "Inbound Anomaly Score Exceeded (Total Score: {n})"] [hostname "{fqdn}"] [uri "{url}"]
modsecurity | - | w | ModSecurity: Warning. detected SQLi using libinjection with fingerprint 's&sos' [file "/etc/modsecurity/crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"] [id "942100"] [msg "SQL Injection Attack Detected via libinjection"] [uri "{url}"]
suricata | - | w | [1:2001219:20] ET SCAN Potential SSH Scan [Classification: Attempted Information Leak] [Priority: 2] {{TCP}} {ip}:{port} -> {ip}:22
suricata | - | C | [1:2024897:3] ET MALWARE Cobalt Strike Beacon Observed [Classification: A Network Trojan was detected] [Priority: 1] {{TCP}} {ip}:{port} -> {ip}:443
suricata | - | C | [1:2027865:2] ET TROJAN Possible Reverse Shell Outbound [Classification: A Network Trojan was detected] [Priority: 1] {{TCP}} {ip}:{port} -> {ip}:4444
suricata | - | i | [1:2013028:7] ET POLICY curl User-Agent Outbound [Classification: Attempted Information Leak] [Priority: 2] {{TCP}} {ip}:{port} -> {ip}:80
clamd | - | C | {path}/{file}: Win.Trojan.Agent-{int} FOUND
clamd | - | i | SelfCheck: Database status OK.
auditd | - | i | type=USER_LOGIN msg=audit({big}.{n}:{int}): pid={pid} uid=0 auid={int} ses={n} msg='op=login id={int} exe="/usr/sbin/sshd" hostname={ip} addr={ip} terminal=ssh res=success'
auditd | - | w | type=USER_AUTH msg=audit({big}.{n}:{int}): pid={pid} uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct="{user}" exe="/usr/sbin/sshd" hostname={ip} addr={ip} terminal=ssh res=failed'
auditd | - | e | Audit daemon is low on disk space for logging
auditd | - | C | Audit daemon has no space left on logging partition, suspending
aide | - | C | AIDE found differences between database and filesystem!!\nchanged: /usr/bin/sudo\nchanged: /etc/shadow
vault | ERROR | w | core: failed to renew token: error="permission denied"
vault | WARN | C | core: vault is sealed
vault | INFO | i | core: post-unseal setup complete
vault | INFO | i | core: successful mount: namespace="" path={word}/ type=kv
vault | ERROR | C | core: barrier keyring is corrupt or tampered with
vault | ERROR | e | expiration: failed to revoke lease: lease_id=database/creds/{word}/{token} error="failed to revoke entry: resp: (*logical.Response)(nil) err: context deadline exceeded"
""",
)

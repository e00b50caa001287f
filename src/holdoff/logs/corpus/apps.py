"""Mobile and desktop software: Android, iOS, browsers, Linux desktop, macOS, Windows event logs, mail."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "apps",
    r"""
android | I | i | ActivityManager: Start proc {int}:com.{word}.app/u0a{n} for activity {{com.{word}.app/com.{word}.app.MainActivity}}
android | E | e | ActivityManager: ANR in com.{word}.app (com.{word}.app/.MainActivity)\nPID: {pid}\nReason: Input dispatching timed out (Waiting to send non-key event because the touched window has not finished processing)
android | E | e | AndroidRuntime: FATAL EXCEPTION: main\nProcess: com.{word}.app, PID: {pid}\njava.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference\n\tat com.{word}.app.ui.{word}Fragment.onViewCreated({word}Fragment.java:{n})
android | I | i | PowerManagerService: Going to sleep due to power button (uid 1000)...
android | D | d | WifiStateMachine: ConnectedState !CMD_START_SCAN source -2 txSuccessRate=0.00 rxSuccessRate=0.00 targetRoamBSSID=any RSSI=-{n}
android | I | i | lowmemorykiller: Killing 'com.{word}.app' ({pid}), adj {int},\n   to free {int}kB on behalf of 'kswapd0' ({pid}) because\n   cache {int}kB is below limit {int}kB for oom_adj {int}
android | D | d | art: Background concurrent copying GC freed {int}({size}) AllocSpace objects, {n}({size}) LOS objects, 49% free, {size}/{size}, paused {int}us total {dur}
android | D | d | BluetoothAdapter: getBluetoothService() called with no BluetoothManagerCallback
android | W | w | System.err: java.net.UnknownHostException: Unable to resolve host "api.{word}.com": No address associated with hostname
android | I | w | ActivityManager: Process com.{word}.app (pid {pid}) has died: fg  TOP
android | E | e | Watchdog: *** WATCHDOG KILLING SYSTEM PROCESS: Blocked in handler on main thread (main)
android | W | i | InputMethodManager: startInputReason = 1
android | E | i | SELinux: avc:  denied  {{ find }} for service=vendor.{word} pid={pid} uid={int} scontext=u:r:untrusted_app:s0 tcontext=u:object_r:default_android_service:s0 tclass=service_manager permissive=0
android | E | i | libEGL: validate_display:{n} error 3008 (EGL_BAD_DISPLAY)
android | I | d | chatty: uid={int}({word}) RenderThread identical {n} lines
android | W | i | Choreographer: Skipped {n} frames!  The application may be doing too much work on its main thread.
android | I | i | {word}Sync: Step counter updated: {int} steps today
ios | - | e | {word}App[{pid}:{hex}] *** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[__NSCFString count]: unrecognized selector sent to instance {addr}'
ios | - | i | [BoringSSL] nw_protocol_boringssl_get_output_frames(1301) [C{n}.1:2][{addr}] get output frames failed, state 8196
ios | - | i | {word}App[{pid}:{hex}] [Firebase/Analytics][I-ACS023007] Analytics v.10.{n}.0 started
ios | - | w | {word}App[{pid}:{hex}] Task <{uuid}>.<{n}> finished with error [-1001] Error Domain=NSURLErrorDomain Code=-1001 "The request timed out."
ios | - | e | {word}App[{pid}:{hex}] CoreData: error: Failed to load model named {word}Model
chrome | - | i | [{pid}:{pid}:{date}/{time}.{int}:ERROR:gpu_init.cc(523)] Passthrough is not supported, GL is disabled, ANGLE is
chrome | - | i | [{pid}:{pid}:{date}/{time}.{int}:ERROR:ssl_client_socket_impl.cc(878)] handshake failed; returned -1, SSL error code 1, net_error -101
chrome | - | d | [{pid}:{pid}:{date}/{time}.{int}:INFO:CONSOLE(1)] "Download the React DevTools for a better development experience", source: webpack:///{word}.js (1)
firefox | - | i | ###!!! [Parent][RunMessage] Error: Channel closing: too late to send/recv, messages will be lost
gnome-shell | - | w | JS ERROR: TypeError: this._windows[i] is undefined\n_updateWorkspaces@resource:///org/gnome/shell/ui/workspace.js:{n}:{n}
gnome-shell | - | i | Gtk-WARNING **: {time}.{ms}: Theme parsing error: gtk.css:{n}:{n}: 'height' is not a valid property name
pulseaudio | - | i | [pulseaudio] alsa-sink.c: ALSA woke us up to write new data to the device, but there was actually nothing to write.
xorg | - | w | (EE) Failed to load module "nvidia" (module does not exist, 0)
xorg | - | i | (II) NVIDIA(0): Setting mode "DFP-{n}:nvidia-auto-select"
networkmanager | info | i | <info>  [{big}.{int}] device ({iface}): state change: activated -> deactivating (reason 'sleeping', sys-iface-state: 'managed')
networkmanager | warn | w | <warn>  [{big}.{int}] device ({iface}): Activation: failed for connection '{word}'
macos | - | i | kernel[0]: Sandbox: {word}d({pid}) deny(1) file-read-data /Users/{user}/Library/Preferences/com.apple.{word}.plist
macos | - | w | com.apple.xpc.launchd[1] (com.{word}.agent[{pid}]): Service exited with abnormal code: 1
macos | - | C | kernel[0]: panic(cpu {n} caller {addr}): "AppleNVMe Assert failed: ... DMA timeout"\nDebugger message: panic
macos | - | i | kernel[0]: AppleKeyStore: operation failed (pid: {pid} sel: 7 ret: e00002c2 '-536870206')
windows | Information | i | Event ID 4624: An account was successfully logged on. Subject: Security ID: S-1-5-18 Account Name: {user} Logon Type: 3 Source Network Address: {ip}
windows | Information | w | Event ID 4625: An account failed to log on. Account Name: {user} Failure Reason: Unknown user name or bad password. Status: 0xC000006D Source Network Address: {ip}
windows | Information | w | Event ID 4740: A user account was locked out. Target Account Name: {user} Caller Computer Name: {host}
windows | Critical | C | Event ID 41 (Kernel-Power): The system has rebooted without cleanly shutting down first. This error could be caused if the system stopped responding, crashed, or lost power unexpectedly.
windows | Error | C | Event ID 1001 (BugCheck): The computer has rebooted from a bugcheck. The bugcheck was: 0x0000007e ({addr}, {addr}, {addr}, {addr}). A dump was saved in: C:\WINDOWS\MEMORY.DMP. Report Id: {uuid}.
windows | Information | i | Event ID 7036: The Windows Update service entered the running state.
windows | Error | e | Event ID 7031: The {word} Service service terminated unexpectedly. It has done this {n} time(s). The following corrective action will be taken in 60000 milliseconds: Restart the service.
windows | Error | e | Event ID 7000: The {word} service failed to start due to the following error: The service did not respond to the start or control request in a timely fashion.
windows | Error | i | Event ID 10016: The application-specific permission settings do not grant Local Activation permission for the COM Server application with CLSID {{{uuid}}} and APPID {{{uuid}}} to the user NT AUTHORITY\SYSTEM SID (S-1-5-18) from address LocalHost (Using LRPC)
windows | Warning | w | Event ID 1014 (DNS Client Events): Name resolution for the name {fqdn} timed out after none of the configured DNS servers responded.
windows | Error | e | Event ID 6008: The previous system shutdown at {time} on {date} was unexpected.
windows | Error | C | Event ID 7 (disk): The device, \Device\Harddisk{n}\DR{n}, has a bad block.
windows | Error | C | Event ID 55 (Ntfs): A corruption was discovered in the file system structure on volume C:. The exact nature of the corruption is unknown.
windows | Warning | w | Event ID 153 (disk): The IO operation at logical block address 0x{hex} for Disk {n} (PDO name: \Device\0000003{n}) was retried.
windows | Warning | w | Event ID 129 (storahci): Reset to device, \Device\RaidPort0, was issued.
windows | Warning | e | Event ID 2004 (Resource-Exhaustion-Detector): Windows successfully diagnosed a low virtual memory condition. The following programs consumed the most virtual memory: {word}.exe ({pid}) consumed {int} bytes
windows | Error | e | Event ID 1000 (Application Error): Faulting application name: {word}.exe, version: {version}.0, time stamp: 0x{hex} Faulting module name: ntdll.dll, version: 10.0.19041.{int}, exception code: 0xc0000374
windows | Error | i | Event ID 36887 (Schannel): A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is 46.
windows | Error | i | Event ID 36874 (Schannel): An TLS 1.2 connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server.
windows | Warning | i | Event ID 1530 (User Profile Service): Windows detected your registry file is still in use by other applications or services. The file will be unloaded now.
windows | Error | e | Event ID 5719 (NETLOGON): This computer was not able to set up a secure session with a domain controller in domain {word} due to the following: There are currently no logon servers available to service the logon request.
windows | Error | C | Event ID 2019 (Srv): The server was unable to allocate from the system nonpaged pool because the pool was empty.
windows | Information | w | Event ID 4771: Kerberos pre-authentication failed. Account Name: {user} Service Name: krbtgt/{word} Failure Code: 0x18
windows | Information | C | Event ID 1102: The audit log was cleared. Subject: Security ID: {word}\{user} Account Name: {user}
windows | Information | i | Event ID 4634: An account was logged off. Account Name: {user} Logon Type: 3
windows | Warning | w | Event ID 1796 (TPM-WMI): The Secure Boot update failed to update a Secure Boot variable with error Secure Boot is not enabled on this machine.
windows | Information | i | Event ID 16384 (Software Protection Platform Service): Successfully scheduled Software Protection service for re-start at {date}T{time}Z. Reason: RulesEngine.
windows | Error | C | Event ID 50 (Ntfs): {{Delayed Write Failed}} Windows was unable to save all the data for the file D:\Data\{word}.mdf. The data has been lost.
windows | Critical | C | Event ID 1069 (FailoverClustering): Cluster resource 'SQL Server ({word})' of type 'SQL Server' in clustered role '{word}' failed.
windows | Error | C | Event ID 1135 (FailoverClustering): Cluster node '{host}' was removed from the active failover cluster membership. The Cluster service on this node may have stopped.
windows | Warning | w | Event ID 51 (disk): An error was detected on device \Device\Harddisk{n}\DR{n} during a paging operation.
windows | Information | i | Event ID 19 (WindowsUpdateClient): Installation Successful: Windows successfully installed the following update: {word} Security Update (KB50{int})
postfix | - | i | {hex}: to=<{email}>, relay={fqdn}[{ip}]:25, delay={float}, delays={float}/0.01/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)
postfix | - | w | {hex}: to=<{email}>, relay=none, delay={int}, delays={int}/0/30/0, dsn=4.4.1, status=deferred (connect to {fqdn}[{ip}]:25: Connection timed out)
postfix | - | i | {hex}: to=<{email}>, relay={fqdn}[{ip}]:25, dsn=5.1.1, status=bounced (host {fqdn}[{ip}] said: 550 5.1.1 User unknown)
postfix | - | w | warning: hostname {fqdn} does not resolve to address {ip}: Name or service not known
postfix | - | i | connect from unknown[{ip}]
postfix | - | w | NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <{email}>: Relay access denied; from=<{email}> to=<{email}> proto=ESMTP helo=<{host}>
postfix | - | C | fatal: open database /etc/postfix/virtual.db: No such file or directory\npostfix/master: warning: process /usr/lib/postfix/sbin/smtpd pid {pid} exit status 1
postfix | - | e | warning: {svc}: queue file size limit exceeded; {int} messages in the active queue
dovecot | - | w | imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<{email}>, method=PLAIN, rip={ip}, lip={ip}, TLS, session=<{token}>
dovecot | - | i | imap({email})<{pid}><{token}>: Logged out in={int} out={int} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0
dovecot | - | C | Error: open(/var/mail/{user}) failed: Input/output error\ndovecot: Panic: file mail-index.c: line {n}: assertion failed: (index->map != NULL)
""",
)

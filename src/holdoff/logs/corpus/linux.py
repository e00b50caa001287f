"""The Linux kernel, systemd, journald, cron and friends: what a host says about itself."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "linux",
    r"""
# memory: an OOM kill is critical whatever level it is sent at
kernel | - | C | Out of memory: Killed process {pid} ({svc}) total-vm:{int}kB, anon-rss:{int}kB, file-rss:{int}kB, shmem-rss:0kB, UID:{n} pgtables:{int}kB oom_score_adj:0
kernel | info | C | Out of memory: Killed process {pid} ({svc}) total-vm:{int}kB, anon-rss:{int}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:{int}kB oom_score_adj:{n}
kernel | err | C | Out of memory: Kill process {pid} ({svc}) score {int} or sacrifice child
kernel | warning | C | {svc} invoked oom-killer: gfp_mask=0x{hex}(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
kernel | info | C | Memory cgroup out of memory: Killed process {pid} ({svc}) total-vm:{int}kB, anon-rss:{int}kB, file-rss:{int}kB, shmem-rss:0kB, UID:{n} pgtables:{int}kB oom_score_adj:{int}
kernel | info | C | oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={hex},mems_allowed=0,oom_memcg=/kubepods/burstable/pod{uuid},task_memcg=/kubepods/burstable/pod{uuid}/{hex},task={svc},pid={pid},uid=0
kernel | info | i | oom_reaper: reaped process {pid} ({svc}), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
kernel | warning | e | {svc}: page allocation failure: order:{n}, mode:0x{hex}(GFP_KERNEL|__GFP_NOWARN), nodemask=(null)
kernel | - | e | TCP: out of memory -- consider tuning tcp_mem
# panics, oopses, lockups
kernel | - | C | Kernel panic - not syncing: Fatal exception in interrupt
kernel | emerg | C | Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)
kernel | - | C | Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b
kernel | - | C | Kernel panic - not syncing: Out of memory and no killable processes...
kernel | - | C | ---[ end Kernel panic - not syncing: Fatal exception ]---
kernel | - | C | Kernel panic - not syncing: softlockup: hung tasks
kernel | alert | C | BUG: unable to handle page fault for address: {addr}
kernel | alert | C | BUG: kernel NULL pointer dereference, address: {addr}
kernel | - | C | general protection fault, probably for non-canonical address {addr}: 0000 [#1] PREEMPT SMP NOPTI
kernel | emerg | C | watchdog: BUG: soft lockup - CPU#{cpu} stuck for {n}s! [{svc}:{pid}]
kernel | emerg | C | NMI watchdog: Watchdog detected hard LOCKUP on cpu {cpu}
kernel | err | C | rcu: INFO: rcu_sched self-detected stall on CPU
kernel | err | e | INFO: task {svc}:{pid} blocked for more than {int} seconds.
kernel | err | C | INFO: task jbd2/{dev}1-8:{pid} blocked for more than 120 seconds.
kernel | - | C | Oops: 0000 [#{n}] SMP PTI\nCPU: {cpu} PID: {pid} Comm: {svc} Tainted: G           O      6.1.0-{n}-amd64 #1 Debian\nRIP: 0010:__list_del_entry_valid+0x{hex}/0x{hex}\nCall Trace:\n <TASK>\n ? die+0x36/0x90\n ? do_trap+0xda/0x100
kernel | warning | w | WARNING: CPU: {cpu} PID: {pid} at net/core/dev.c:{n} dev_watchdog+0x{hex}/0x{hex}
kernel | info | e | {svc}[{pid}]: segfault at {addr} ip {addr} sp {addr} error 4 in libc.so.6[{hex}+{hex}] likely on CPU {cpu} (core {cpu}, socket 0)
kernel | info | w | traps: {svc}[{pid}] general protection fault ip:{addr} sp:{addr} error:0 in {svc}[{hex}+{hex}]
# filesystems and block devices
kernel | crit | C | EXT4-fs error (device {dev}1): ext4_find_entry:{n}: inode #{int}: comm {svc}: reading directory lblock 0
kernel | crit | C | EXT4-fs ({dev}1): Remounting filesystem read-only
kernel | crit | C | EXT4-fs error (device {dev}2): ext4_journal_check_start:{n}: Detected aborted journal
kernel | err | C | EXT4-fs ({dev}1): I/O error while writing superblock
kernel | info | i | EXT4-fs ({dev}1): mounted filesystem {uuid} r/w with ordered data mode. Quota mode: none.
kernel | info | i | EXT4-fs ({dev}1): re-mounted {uuid} r/w. Quota mode: none.
kernel | alert | C | XFS ({dev}1): Corruption detected. Unmount and run xfs_repair
kernel | alert | C | XFS ({dev}1): Metadata I/O error in "xfs_trans_read_buf_map" at daddr 0x{hex} len 8 error 5
kernel | alert | C | XFS ({dev}1): log I/O error -5\nXFS ({dev}1): Filesystem has been shut down due to log error (0x2).\nXFS ({dev}1): Please unmount the filesystem and rectify the problem(s).
kernel | notice | i | XFS ({dev}1): Ending clean mount
kernel | err | C | blk_update_request: I/O error, dev {dev}, sector {int} op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0
kernel | err | C | I/O error, dev {dev}, sector {int} op 0x1:(WRITE) flags 0x800 phys_seg {n} prio class 2
kernel | err | C | Buffer I/O error on dev {dev}1, logical block {int}, lost async page write
kernel | err | C | sd {n}:0:0:0: [{dev}] tag#{n} Sense Key : Medium Error [current]\nsd {n}:0:0:0: [{dev}] tag#{n} Add. Sense: Unrecovered read error - auto reallocate failed
kernel | err | e | sd {n}:0:0:0: [{dev}] tag#{n} FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age={n}s
kernel | err | e | ata{n}.00: exception Emask 0x0 SAct 0x{hex} SErr 0x0 action 0x0
kernel | err | e | ata{n}.00: failed command: READ FPDMA QUEUED
kernel | info | w | ata{n}: hard resetting link
kernel | info | i | ata{n}: SATA link up 6.0 Gbps (SStatus 133 SControl 300)
kernel | info | i | {dev}: detected capacity change from 0 to {int}
kernel | info | i | sd {n}:0:0:0: [{dev}] Attached SCSI disk
kernel | - | w | nvme nvme{n}: I/O {int} QID {n} timeout, aborting
kernel | - | C | nvme nvme{n}: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff\nnvme nvme{n}: Removing after probe failure status: -19
kernel | warning | w | nvme nvme{n}: I/O {int} QID {n} timeout, completion polled
kernel | alert | C | md/raid1:md{n}: Disk failure on {dev}1, disabling device.\nmd/raid1:md{n}: Operation continuing on 1 devices.
kernel | info | i | md: md{n}: resync done.
kernel | info | i | md: recovery of RAID array md{n}
kernel | err | e | device-mapper: multipath: {n}:{n}: Failing path {n}:{n}.
kernel | info | i | device-mapper: multipath: {n}:{n}: Reinstating path {n}:{n}.
kernel | warning | C | nfs: server {host} not responding, still trying
kernel | warning | i | nfs: server {host} OK
kernel | err | e | NFS: nfs4_reclaim_open_state: unhandled error -10026
kernel | err | C | JBD2: Detected IO errors while flushing file data on {dev}1-8
kernel | warning | w | EXT4-fs warning (device {dev}1): ext4_dx_add_entry:{n}: Directory (ino: {int}) index full, reach max htree level :2
kernel | info | i | Adding {int}k swap on /swapfile.  Priority:-2 extents:{n} across:{int}k SS
# hardware seen by the kernel
kernel | err | e | mce: [Hardware Error]: Machine check events logged
kernel | emerg | C | mce: [Hardware Error]: CPU {cpu}: Machine Check Exception: 5 Bank {n}: b200000000070f0f
kernel | emerg | C | mce: [Hardware Error]: Uncorrected hardware memory error in user-access at {hex}
kernel | - | C | Memory failure: {addr}: recovery action for dirty LRU page: Recovered
kernel | warning | w | EDAC MC{n}: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#{n}_DIMM#0 (channel:{n} slot:0 page:0x{hex} offset:0x0 grain:32 syndrome:0x0)
kernel | err | C | EDAC MC{n}: 1 UE memory read error on CPU_SrcID#0_Ha#0_Chan#{n}_DIMM#{n} (channel:{n} slot:{n} page:0x{hex})
kernel | emerg | C | EDAC MC{n}: UE row {n}, channel-a= {n} channel-b= {n} labels "-": NON-Fatal (Uncorrectable ECC error)
kernel | warning | w | pcieport 0000:00:{n}.0: AER: Corrected error received: 0000:{n}:00.0
kernel | warning | w | pcieport 0000:00:{n}.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)
kernel | emerg | C | pcieport 0000:00:{n}.0: AER: Uncorrected (Fatal) error received: 0000:{n}:00.0
kernel | err | C | {svc} 0000:{n}:00.0: PCIe Bus Error: severity=Uncorrected (Fatal), type=Transaction Layer, (Requester ID)
kernel | warning | w | CPU{cpu}: Core temperature above threshold, cpu clock throttled (total events = {int})
kernel | info | i | CPU{cpu}: Core temperature/speed normal
kernel | crit | C | CPU{cpu}: Package temperature above threshold, cpu clock throttled\nthermal thermal_zone0: critical temperature reached (105 C), shutting down
kernel | info | i | [Firmware Bug]: TSC_DEADLINE disabled due to Errata; please update microcode to version: 0x{hex} (or later)
kernel | err | i | ACPI BIOS Error (bug): Could not resolve symbol [\_SB.PCI0.XHC.RHUB.HS{n}], AE_NOT_FOUND (20220331/dswload2-162)
kernel | err | i | ACPI Error: AE_NOT_FOUND, During name lookup/catalog (20220331/psobject-220)
kernel | info | i | perf: interrupt took too long ({int} > {int}), lowering kernel.perf_event_max_sample_rate to {int}
kernel | info | i | usb {n}-{n}: new high-speed USB device number {n} using xhci_hcd
kernel | info | i | random: crng init done
kernel | notice | i | Linux version 6.1.0-{n}-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.{n}-1
kernel | info | i | Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-{n}-amd64 root=UUID={uuid} ro quiet
kernel | warning | i | kauditd_printk_skb: {n} callbacks suppressed
kernel | info | i | hrtimer: interrupt took {int} ns
# network as the kernel sees it
kernel | info | i | e1000e 0000:00:1f.6 {iface}: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx
kernel | info | w | e1000e 0000:00:1f.6 {iface}: NIC Link is Down
kernel | info | i | IPv6: ADDRCONF(NETDEV_CHANGE): {iface}: link becomes ready
kernel | info | i | docker0: port {n}(veth{hex}) entered forwarding state
kernel | info | i | br-{hex}: port {n}(veth{hex}) entered disabled state
kernel | info | i | device veth{hex} entered promiscuous mode
kernel | warning | w | TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies.  Check SNMP counters.
kernel | warning | C | nf_conntrack: nf_conntrack: table full, dropping packet
kernel | warning | e | {iface}: tx timeout\nNETDEV WATCHDOG: {iface} (ixgbe): transmit queue {n} timed out
kernel | info | i | [UFW BLOCK] IN={iface} OUT= MAC={mac} SRC={ip} DST={ip} LEN=60 TOS=0x00 PREC=0x00 TTL={n} ID={int} DF PROTO=TCP SPT={port} DPT={port} WINDOW=64240 RES=0x00 SYN URGP=0
kernel | notice | w | audit: type=1400 audit({big}.{n}:{int}): apparmor="DENIED" operation="open" profile="{svc}" name="{path}/{file}" pid={pid} comm="{svc}" requested_mask="r" denied_mask="r"
kernel | warning | w | bond0: link status definitely down for interface {iface}, disabling it
kernel | emerg | C | bond0: now running without any active interface!
# systemd, journald, cron
systemd | info | i | Started {svc}.service - {svc} daemon.
systemd | info | i | Starting {svc}.service - {svc} daemon...
systemd | info | i | Stopping {svc}.service - {svc} daemon...
systemd | info | i | Stopped {svc}.service - {svc} daemon.
systemd | info | i | Reached target multi-user.target - Multi-User System.
systemd | info | i | Started session-{n}.scope - Session {n} of User {user}.
systemd | info | i | Starting apt-daily.service - Daily apt download activities...
systemd | info | i | {svc}.service: Deactivated successfully.
systemd | info | i | {svc}.service: Consumed {float}s CPU time.
systemd | info | i | Reloading requested from client PID {pid} ('systemctl') (unit session-{n}.scope)...
systemd | debug | d | {svc}.service: Changed dead -> start
systemd | debug | d | {svc}.timer: Condition check resulted in {svc}.service being skipped.
systemd | notice | e | {svc}.service: Main process exited, code=exited, status=1/FAILURE
systemd | warning | e | {svc}.service: Failed with result 'exit-code'.
systemd | err | e | Failed to start {svc}.service - {svc} daemon.
systemd | info | w | {svc}.service: Scheduled restart job, restart counter is at {n}.
systemd | err | C | {svc}.service: Start request repeated too quickly.\n{svc}.service: Failed with result 'exit-code'.\nFailed to start {svc}.service - {svc} daemon.
systemd | notice | e | {svc}.service: Main process exited, code=killed, status=9/KILL
systemd | notice | w | {svc}.service: Main process exited, code=killed, status=15/TERM
systemd | warning | C | {svc}.service: A process of this unit has been killed by the OOM killer.
systemd | warning | C | {svc}.service: Failed with result 'oom-kill'.
systemd | err | C | {svc}.service: Watchdog timeout (limit 3min)!\n{svc}.service: Killing process {pid} ({svc}) with signal SIGABRT.
systemd | err | e | Failed to mount mnt-backup.mount - /mnt/backup.
systemd | err | C | Dependency failed for local-fs.target - Local File Systems.
systemd | err | C | Timed out waiting for device dev-disk-by\x2duuid-{uuid}.device - /dev/disk/by-uuid/{uuid}.
systemd | warning | w | {svc}.service: State 'stop-sigterm' timed out. Killing.
systemd | err | e | {svc}.service: Control process exited, code=exited, status=203/EXEC
systemd | info | i | Received SIGTERM from PID 1 (systemd).
systemd-journald | info | i | Journal started
systemd-journald | info | i | System Journal (/var/log/journal/{hex}) is {int}M, max {int}M, {int}M free.
systemd-journald | warning | w | File /var/log/journal/{hex}/system.journal corrupted or uncleanly shut down, renaming and replacing.
systemd-journald | info | i | Suppressed {int} messages from {svc}.service
systemd-logind | info | i | New session {n} of user {user}.
systemd-logind | info | i | Session {n} logged out. Waiting for processes to exit.
systemd-logind | info | i | Removed session {n}.
systemd-coredump | err | e | Process {pid} ({svc}) of user {n} dumped core.\n\nStack trace of thread {pid}:\n#0  0x{hex} n/a (libc.so.6 + 0x{hex})\n#1  0x{hex} abort (libc.so.6 + 0x{hex})
systemd-resolved | info | i | Using degraded feature set UDP instead of UDP+EDNS0 for DNS server {ip}.
systemd-resolved | warning | w | Failed to send hostname reply: Transport endpoint is not connected
systemd-networkd | info | i | {iface}: Gained carrier
systemd-networkd | info | w | {iface}: Lost carrier
systemd-timesyncd | info | i | Initial clock synchronization to {month} {n} {time}.{int} UTC.
systemd-timesyncd | info | i | Contacted time server {ip}:123 (ntp.ubuntu.com).
CRON | info | i | ({user}) CMD (/usr/local/bin/{svc}-backup.sh > /dev/null 2>&1)
CRON | info | i | pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)
CRON | info | i | (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
anacron | info | i | Job `cron.daily' terminated
logrotate | err | w | error: skipping "/var/log/{svc}/{svc}.log" because parent directory has insecure permissions (It's world writable or writable by group which is not "root")
chronyd | info | i | Selected source {ip} (2.debian.pool.ntp.org)
chronyd | warning | w | System clock wrong by {float} seconds
chronyd | warning | e | Can't synchronise: no selectable sources
chronyd | warning | w | Forward time jump detected!
kernel | info | i | EDAC MC: Ver: 3.0.0
kernel | info | i | Freeing unused kernel image (initmem) memory: {int}K
kernel | info | i | clocksource: Switched to clocksource tsc
kernel | warning | w | clocksource: timekeeping watchdog on CPU{cpu}: Marking clocksource 'tsc' as unstable because the skew is too large
kernel | err | e | hpet1: lost {int} rtc interrupts
""",
)

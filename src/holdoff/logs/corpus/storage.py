"""Storage: SMART, software and hardware RAID, NFS, Ceph, ZFS, LVM, iSCSI, GlusterFS, MinIO, disk space."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "storage",
    r"""
smartd | - | e | Device: /dev/{dev} [SAT], {n} Currently unreadable (pending) sectors
smartd | - | e | Device: /dev/{dev} [SAT], {n} Offline uncorrectable sectors
smartd | - | w | Device: /dev/{dev} [SAT], SMART Prefailure Attribute: 5 Reallocated_Sector_Ct changed from 100 to 99
smartd | - | C | Device: /dev/{dev} [SAT], FAILED SMART self-check. BACK UP DATA NOW!
smartd | - | C | Device: /dev/{dev}, SMART Failure: FAILURE PREDICTION THRESHOLD EXCEEDED
smartd | - | i | Device: /dev/{dev} [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from {n} to {n}
smartd | - | i | Device: /dev/{dev}, opened
smartd | - | i | Device: /dev/{dev} [SAT], is SMART capable. Adding to "monitor" list.
smartd | - | e | Device: /dev/{dev} [SAT], Self-Test Log error count increased from 0 to 1
smartd | - | w | Device: /dev/{dev}, Critical Warning (0x02): Temperature
smartd | - | C | Device: /dev/{dev}, Critical Warning (0x04): Reliability\nDevice: /dev/{dev}, Available Spare fell below threshold
mdadm | - | C | DegradedArray event detected on md device /dev/md{n}
mdadm | - | C | Fail event detected on md device /dev/md{n}, component device /dev/{dev}1
mdadm | - | i | RebuildStarted event detected on md device /dev/md{n}
mdadm | - | i | RebuildFinished event detected on md device /dev/md{n}, component device mismatches found: 0
mdadm | - | i | SpareActive event detected on md device /dev/md{n}, component device /dev/{dev}1
mdadm | - | i | NewArray event detected on md device /dev/md{n}
megaraid | - | C | Controller 0: PD 252:{n} state changed from Online to Failed (Event ID {int})
megaraid | - | C | Controller 0: VD 0 is now DEGRADED
megaraid | - | C | Controller 0: VD 0 is now OFFLINE
megaraid | - | i | Controller 0: Patrol Read complete
megaraid | - | i | Controller 0: Battery relearn completed
megaraid | - | w | Controller 0: BBU disabled; changing WB logical drives to WT, Forced WB VDs are not affected
megaraid | - | e | Controller 0: Consistency Check found inconsistent parity on VD 0 at strip {int}
megaraid | - | w | Controller 0: Predictive failure: PD 252:{n}
megaraid | - | i | Controller 0: Rebuild complete on VD 0
hpsa | - | C | hpsa 0000:{n}:00.0: Physical drive failure on bay {n}: drive needs replacement
hpsa | - | w | hpsa 0000:{n}:00.0: Cache module battery charging
nfs | - | e | lockd: server {host} not responding, timed out
nfs | - | w | NFS: state manager: check lease failed on NFSv4 server {host} with error 10022
nfs | - | i | rpc.mountd: authenticated mount request from {ip}:{port} for /export/{word} (/export/{word})
nfs | - | w | NFS: stale file handle on {path} (fileid {int})
nfs | - | i | rpc.mountd: authenticated unmount request from {ip}:{port} for /export/{word} (/export/{word})
nfs | - | C | nfsd: last server has exited, flushing export cache
ceph | WRN | e | cluster [WRN] Health check failed: 1 osds down (OSD_DOWN)
ceph | ERR | C | cluster [ERR] Health check failed: Reduced data availability: {n} pgs inactive, {n} pgs down (PG_AVAILABILITY)
ceph | ERR | C | cluster [ERR] Health check failed: Possible data damage: 1 pg inconsistent (PG_DAMAGED)
ceph | WRN | w | cluster [WRN] Health check update: Degraded data redundancy: {int}/{int} objects degraded ({float}%), {n} pgs degraded (PG_DEGRADED)
ceph | INF | i | cluster [INF] Health check cleared: OSD_DOWN (was: 1 osds down)
ceph | INF | i | cluster [INF] Cluster is now healthy
ceph | ERR | e | osd.{n} [ERR] {n}.{hex} shard {n} soid {n}:{hex}:::rbd_data.{hex}:head : candidate had a read error
ceph | ERR | C | cluster [ERR] Health check failed: 1 full osd(s) (OSD_FULL)
ceph | WRN | w | cluster [WRN] Health check failed: 1 nearfull osd(s) (OSD_NEARFULL)
ceph | WRN | e | cluster [WRN] Health check update: {n} slow ops, oldest one blocked for {n} sec, osd.{n} has slow ops (SLOW_OPS)
ceph | ERR | C | cluster [ERR] Health check failed: mon {host} is very low on available space (MON_DISK_CRIT)
ceph | DBG | d | log_channel(cluster) log [DBG] : pgmap v{int}: {int} pgs: {int} active+clean; {size} data, {size} used, {size} / {size} avail; {int} B/s rd, {int} KiB/s wr, {n} op/s
ceph | - | w | osd.{n} {int} heartbeat_check: no reply from {ip}:6804 osd.{n} since back {date}T{time} front {date}T{time}
ceph | ERR | C | bluestore(/var/lib/ceph/osd/ceph-{n}) _do_read bdev-read failed: (5) Input/output error
ceph | WRN | w | cluster [WRN] Health check failed: clock skew detected on mon.{host} (MON_CLOCK_SKEW)
ceph | INF | i | osd.{n} [INF] {n}.{hex} scrub ok
zfs | - | C | zed: eid={n} class=statechange pool='tank' vdev={dev} vdev_state=FAULTED
zfs | - | C | zpool 'tank' is DEGRADED: One or more devices could not be used because the label is missing or invalid.
zfs | - | i | zfs: scrub repaired 0B in {dur} with 0 errors on {date}
zfs | - | e | zed: eid={n} class=checksum pool='tank' vdev={dev}1 algorithm=fletcher4 size={int} offset={int} priority=3 err=52 flags=0x180880 bookmark={int}:{int}:0:{int}
zfs | - | C | WARNING: Pool 'tank' has encountered an uncorrectable I/O failure and has been suspended.
zfs | - | i | zed: eid={n} class=history_event pool='tank'
lvm | - | e | WARNING: Thin pool vg0-{word}--tpool-tpool data is now {hipct}.00% full.
lvm | - | C | WARNING: Thin pool vg0-{word}--tpool-tpool data is now 100.00% full.\ndevice-mapper: thin: {n}:{n}: switching pool to out-of-data-space (error IO) mode
lvm | - | i | Monitoring thin pool vg0-{word}--tpool-tpool.
lvm | - | w | WARNING: Device mismatch detected for vg0/{word} which is accessing /dev/{dev}2 instead of /dev/{dev}3.
iscsid | - | e | Kernel reported iSCSI connection 1:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed) state (3)
iscsid | - | i | connection1:0 is operational after recovery (1 attempts)
iscsid | - | i | Connection1:0 to [target: iqn.2003-01.org.linux-iscsi.{host}:sn.{hex}, portal: {ip},3260] through [iface: default] is operational now
iscsid | - | C | session1: session recovery timed out after 120 secs\nsd 2:0:0:1: rejecting I/O to offline device
glusterfs | E | C | [afr-common.c:{n}:afr_log_selfheal] 0-{word}-replicate-0: Split-brain detected on gfid {uuid}; cannot choose a source
glusterfs | I | i | [afr-self-heal-common.c:{n}:afr_log_selfheal] 0-{word}-replicate-0: Completed data selfheal on {uuid}. sources=[0] 1  sinks=2
glusterfs | W | w | [socket.c:{n}:__socket_rwv] 0-{word}-client-{n}: readv on {ip}:49152 failed (No data available)
glusterfs | E | e | [client-handshake.c:{n}:client_query_portmap_cbk] 0-{word}-client-{n}: failed to get the port number for remote subvolume. Please run 'gluster volume status' on server to see if brick process is running.
minio | - | e | API: SYSTEM()\nTime: {time} UTC {date}\nError: Drive /data{n} is offline: disk not found
minio | - | C | Error: Read failed. Insufficient number of drives online (*errors.errorString)\nAPI: GetObject(bucket={word}, object={hex})\nRead quorum not met
minio | - | i | Status:         {n} Online, 0 Offline.
diskmon | - | e | Filesystem {path} is {hipct}% full ({size} free)
diskmon | - | C | Filesystem {path} is 100% full: No space left on device
diskmon | - | w | Filesystem {path} is {pct}% full, inode usage {pct}%
app | ERROR | C | Failed to write {path}/{file}: [Errno 28] No space left on device
app | ERROR | C | could not write to file: Read-only file system
app | ERROR | C | open {path}/{file}: read-only file system
app | ERROR | C | I/O error reading {path}/{file}: Input/output error (errno 5)
""",
)

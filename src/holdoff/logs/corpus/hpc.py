"""HPC clusters and hardware: Slurm, PBS, LSF, Lustre, GPFS, InfiniBand, GPUs, IPMI/BMC events,
mcelog, node health checks."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "hpc",
    r"""
slurmctld | info | i | _job_complete: JobId={jobid} done
slurmctld | info | i | _job_complete: JobId={jobid} WEXITSTATUS 1
slurmctld | info | i | sched: Allocate JobId={jobid} NodeList={node} #CPUs={n} Partition=batch
slurmctld | info | i | _slurm_rpc_submit_batch_job: JobId={jobid} InitPrio={int} usec={int}
slurmctld | error | e | error: Nodes {node} not responding
slurmctld | error | e | error: Nodes {node} not responding, setting DOWN
slurmctld | info | i | Node {node} now responding
slurmctld | error | e | error: slurmd error running JobId={jobid} on node(s)={node}: Kill task failed
slurmctld | info | w | update_node: node {node} reason set to: Kill task failed\nupdate_node: node {node} state set to DRAINING
slurmctld | error | w | error: _slurm_rpc_node_registration node={node}: Invalid argument
slurmctld | error | e | error: Munge decode failed: Expired credential\nerror: slurm_unpack_received_msg: Protocol authentication error
slurmctld | error | w | error: slurm_receive_msg [{ip}:{port}]: Zero Bytes were transmitted or received
slurmctld | debug | d | backfill: completed testing {int}({n}) jobs, usec={int}
slurmctld | info | i | job_time_limit: JobId={jobid} TIMEOUT
slurmctld | info | i | Terminate signal (SIGINT or SIGTERM) received
slurmctld | error | C | error: Could not open job state file /var/spool/slurmctld/job_state: No space left on device\nerror: NOTE: Trying backup state save file. Jobs may be lost!
slurmctld | fatal | C | fatal: Can not recover last_tres state, incompatible version, got {n} need >= {n} <= {n}, start with '-i' to ignore this
slurmctld | error | C | error: slurmdbd: Sending message type MESSAGE_NODE_STATE: 11: Connection refused\nerror: slurmdbd: DBD_SEND_MULT_JOB_START failure: Connection refused; agent queue is full, job records are being dropped
slurmctld | info | w | Power save mode: {n} nodes
slurmstepd | error | w | error: Detected 1 oom-kill event(s) in StepId={jobid}.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.
slurmstepd | error | i | error: *** JOB {jobid} ON {node} CANCELLED AT {date}T{time} DUE TO TIME LIMIT ***
slurmstepd | error | i | error: *** STEP {jobid}.0 ON {node} CANCELLED AT {date}T{time} ***
slurmd | error | w | error: Node configuration differs from hardware: CPUs={n}:{n}(hw) Boards=1:1(hw) SocketsPerBoard=2:2(hw)
slurmd | info | i | slurmd version 23.02.{n} started
slurmd | error | e | error: health_check failed: rc:1 output:ERROR:  nhc:  Health check failed:  check_fs_mount:  /scratch not mounted
slurmd | error | C | error: Unable to register: Unable to contact slurm controller (connect failure)
pbs | - | e | pbs_server: LOG_ERROR::Job;{jobid}.{host};node {node} down
pbs | - | w | pbs_mom: LOG_ERROR::sys_copy, command '/usr/bin/scp -rpB {path}/{file} {host}:{path}' failed with status=1, giving up after 4 attempts
pbs | - | i | pbs_server: Job;{jobid}.{host};Job Run at request of Scheduler@{host}
lsf | - | e | mbatchd: Host <{node}> is unreachable; jobs requeued
lsf | - | i | mbatchd: Job <{jobid}> is submitted to queue <normal>
lustre | - | w | LustreError: 11-0: {word}-OST{hex}-osc-{addr}: operation ost_connect to node {ip}@o2ib failed: rc = -16
lustre | - | i | Lustre: {word}-OST{hex}: Client {uuid} (at {ip}@o2ib) reconnecting
lustre | - | w | LustreError: {pid}:0:(ldlm_lockd.c:{n}:ldlm_failed_ast()) ### blocking AST failed (-107): evicting client {uuid}@{ip}@o2ib ns: filter-{word}-OST{hex}
lustre | - | i | Lustre: {word}-MDT0000: Recovery over after {n}:{n}, of {n} clients {n} recovered and 0 were evicted.
lustre | - | C | LustreError: {pid}:0:(osd_handler.c:{n}:osd_ro()) {word}-OST{hex}: *** setting device osd-ldiskfs read-only ***
lustre | - | w | LNet: {pid}:0:(o2iblnd_cb.c:{n}:kiblnd_check_txs_locked()) Timed out tx: active_txs, {n} seconds
lustre | - | e | LNetError: {pid}:0:(o2iblnd_cb.c:{n}:kiblnd_check_conns()) Timed out RDMA with {ip}@o2ib (0): c: 0, oc: 0, rc: 8
lustre | - | e | Lustre: {word}-MDT0000-mdc-{addr}: Connection to {word}-MDT0000 (at {ip}@o2ib) was lost; in progress operations using this service will wait for recovery to complete
lustre | - | i | Lustre: {word}-MDT0000-mdc-{addr}: Connection restored to {word}-MDT0000 (at {ip}@o2ib)
lustre | - | C | LustreError: {pid}:0:(ofd_dev.c:{n}:ofd_main()) ASSERTION( !list_empty(&fo->fo_list) ) failed:\nLustreError: {pid}:0:(ofd_dev.c:{n}:ofd_main()) LBUG
lustre | - | e | LustreError: {pid}:0:(obd_mount.c:{n}:lustre_fill_super()) Unable to mount  (-5)
gpfs | - | C | mmfs: Unmounting file system {word} because of SGPanic (error 217)
gpfs | - | e | mmfs: Node {ip} ({node}) is being expelled because of an expired lease. Pings sent: 60. Replies received: 0.
gpfs | - | e | mmfs: Disk {word}nsd{n} is down, file system {word} is degraded
gpfs | - | i | mmfs: Command: mount {word} {pid}
infiniband | - | w | mlx5_core 0000:{n}:00.0: Port module event: module {n}, Cable unplugged
infiniband | - | e | ib0: port state changed to DOWN
infiniband | - | i | opensm: SUBNET UP
infiniband | - | w | opensm: ERR 3113: MAD completed in error (IB_TIMEOUT): SubnGet(NodeInfo), attr_mod 0x0, TID 0x{hex}
infiniband | - | e | ibcheckerrors: Port {n} of switch {hex}: LinkDownedCounter exceeded threshold ({n}), link flapping
infiniband | - | w | ib0: ipoib_cm_handle_tx_wc: failed cm send event (status=12, wrid={n} vend_err 0x81)
infiniband | - | w | ibcheckerrors: SymbolErrorCounter exceeded threshold on port {n} of {hex}
infiniband | - | i | mlx5_core 0000:{n}:00.0: Port module event: module {n}, Cable plugged
nvidia | - | C | NVRM: Xid (PCI:0000:{n}:00): 79, pid={pid}, name={svc}, GPU has fallen off the bus.
nvidia | - | C | NVRM: Xid (PCI:0000:{n}:00): 48, pid={pid}, name={svc}, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition {n}, subpartition 0.
nvidia | - | w | NVRM: Xid (PCI:0000:{n}:00): 31, pid={pid}, name={svc}, Ch 0000{n}, intr 00000000. MMU Fault: ENGINE GRAPHICS GPCCLIENT_T1_{n} faulted @ 0x{hex}. Fault is of type FAULT_PDE ACCESS_TYPE_VIRT_READ
nvidia | - | w | NVRM: Xid (PCI:0000:{n}:00): 13, pid={pid}, name={svc}, Graphics SM Warp Exception on (GPC {n}, TPC {n}, SM 0): Out Of Range Address
nvidia | - | w | NVRM: Xid (PCI:0000:{n}:00): 63, pid={pid}, Row Remapping recording event
nvidia | - | e | NVRM: Xid (PCI:0000:{n}:00): 64, pid={pid}, Row remapper error: failed to record a row remapping
nvidia | - | C | NVRM: Xid (PCI:0000:{n}:00): 95, pid={pid}, Uncontained ECC error, GPU reset required
nvidia | - | w | nvidia-smi: GPU {n} temperature {n}C is above the slowdown threshold
nvidia | - | i | nvidia-persistenced: Started (pid {pid})
ipmi | - | w | SEL: Memory #0x{hex} | Correctable ECC | Asserted | DIMM_{n}
ipmi | - | C | SEL: Memory #0x{hex} | Uncorrectable ECC | Asserted | DIMM_{n}
ipmi | - | w | SEL: Memory #0x{hex} | Correctable ECC logging limit reached | Asserted
ipmi | - | e | SEL: Power Supply PS{n} | Failure detected | Asserted
ipmi | - | e | SEL: Power Supply PS{n} | Power Supply AC lost | Asserted
ipmi | - | i | SEL: Power Supply PS{n} | Presence detected | Asserted
ipmi | - | e | SEL: Fan FAN{n} | Lower Critical going low | Asserted | Reading 0 < Threshold {int} RPM
ipmi | - | C | SEL: Processor CPU{n} | IERR | Asserted
ipmi | - | C | SEL: Temperature CPU{n} Temp | Upper Critical going high | Asserted | Reading {n} > Threshold {n} degrees C
ipmi | - | i | SEL: System Event | Timestamp Clock Sync | Asserted
ipmi | - | C | SEL: Watchdog2 | Hard reset | Asserted
ipmi | - | C | SEL: Critical Interrupt | PCI SERR | Asserted
ipmi | - | e | SEL: Drive Slot / Bay {n} | Drive Fault | Asserted
ipmi | - | i | SEL: Drive Slot / Bay {n} | Drive Present | Asserted
ipmi | - | w | SEL: Voltage 12V | Upper Non-critical going high | Asserted
ipmi | - | i | SEL: OS Boot | boot completed | Asserted
mcelog | - | w | Hardware event. This is not a software error.\nMCE 0\nCPU {cpu} BANK {n}\nCorrected error, no action required.
mcelog | - | C | Hardware event. This is not a software error.\nMCE 0\nCPU {cpu} BANK {n}\nMCG status:MCIP\nMCi status:\nUncorrected error\nError enabled\nProcessor context corrupt
mcelog | - | e | Corrected memory errors on page {hex} exceed threshold 10 in 24h: {n} in 24h\nOffling page {hex}
mcelog | - | C | CPU {cpu}: Machine Check: 0 Bank {n}: fe00000000800400\nKernel panic - not syncing: Fatal machine check
nhc | - | e | NHC: Health check failed: check_fs_mount: /scratch not mounted
nhc | - | e | NHC: Node {node} marked offline: check_hw_physmem: Actual RAM size ({int} kB) less than minimum allowed ({int} kB)
nhc | - | w | NHC: Node {node} load average {float} exceeds threshold
nhc | - | i | NHC: Node {node} completed health check (0 errors)
cluster | - | e | node {node} heartbeat lost, marking node down and requeueing {n} jobs
cluster | - | i | node {node} booted, rejoining partition batch
cluster | - | C | node {node} crashed: kernel panic, vmcore saved to /var/crash/{date}
cluster | - | C | compute rack {rack} lost power: {n} nodes down, {n} jobs killed
cluster | - | C | scheduler controller unreachable from all login nodes; no jobs can start
cluster | - | w | node {node} draining for maintenance: firmware update
cluster | - | e | interconnect link {rack}-{n} down between switch {hex} port {n} and node {node}
cluster | - | C | interconnect fabric partitioned: {n} nodes unreachable from subnet manager
cluster | - | C | uncorrectable memory error on node {node} DIMM {n}: node halted
cluster | - | w | correctable memory errors on node {node} DIMM {n}: {n} in the last hour
cluster | - | C | parallel filesystem {word} unavailable: metadata server {host} not responding
cluster | - | w | job {jobid} exceeded its walltime and was killed
cluster | - | i | job {jobid} started on {n} nodes
cluster | - | i | job {jobid} finished with exit code 0 after {dur}
cluster | - | w | job {jobid} failed with exit code {n} (user application error)
cluster | - | e | node {node} failed hardware diagnostics: memory test failed on DIMM {n}
cluster | - | C | cooling failure in rack {rack}: inlet temperature {n}C, emergency shutdown started
""",
)

"""Context printed around an event, and errors that belong to a user, not to on-call.

- Crash and fault reports are many lines, and syslog, a console or a RAS log carries each line as a
  record of its own, at the level of the report (``emerg``, ``crit``, ``FATAL``). The first line says
  what happened (an oops, a machine check, a double fault: critical); the register values, dotted
  configuration tables, ``name=value`` lists and ``label: value`` lines after it are evidence for the
  person reading the report, not events of their own (labelled error or info: one page per crash).
- Batch schedulers, job launchers and build systems log a user's mistakes (a missing program, a wrong
  path, a file that is not executable) loudly, often at ``error`` or ``fatal``; nobody is woken for
  them. The hardware and kernel faults beside them, at the same levels, are critical.
"""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "context",
    r"""
# x86 oops and panic reports, one record per line, at the report's level
kernel | emerg | C | BUG: unable to handle page fault for address: {addr}
kernel | emerg | e | #PF: supervisor read access in kernel mode
kernel | emerg | e | #PF: error_code(0x0000) - not-present page
kernel | emerg | e | PGD {hex} P4D {hex} PUD {hex} PMD 0
kernel | emerg | e | RIP: 0010:{word}_commit+0x{hex}/0x{hex} [{word}]
kernel | emerg | e | RSP: 0018:{addr} EFLAGS: 00010246
kernel | emerg | e | RAX: {addr} RBX: {addr} RCX: {addr}
kernel | emerg | e | RDX: {addr} RSI: {addr} RDI: {addr}
kernel | emerg | e | R13: {addr} R14: {addr} R15: {addr}
kernel | emerg | e | FS:  {addr}({addr}) GS:{addr}({addr}) knlGS:0000000000000000
kernel | emerg | e | CR2: {addr} CR3: {addr} CR4: {addr}
kernel | emerg | e | Code: 48 8b 47 08 48 85 c0 74 {hex} 48 8b 50 10 <48> 8b 02 48 89 47
kernel | emerg | i | Modules linked in: nf_tables nfnetlink {word} xfs libcrc32c sd_mod ahci libahci
kernel | emerg | i | Hardware name: Dell Inc. PowerEdge R640/0X45NX, BIOS 2.{n}.{n} 0{n}/{n}/2023
kernel | emerg | e | ---[ end trace {hex} ]---
kernel | emerg | C | double fault: 0000 [#{n}] PREEMPT SMP NOPTI
kernel | emerg | C | general protection fault, probably for non-canonical address {addr}: 0000 [#{n}] SMP NOPTI
# arm64 and powerpc reports
kernel | emerg | C | Unable to handle kernel NULL pointer dereference at virtual address {addr}
kernel | emerg | C | Internal error: Oops: 96000005 [#{n}] PREEMPT SMP
kernel | emerg | e | pc : {word}_poll+0x{hex}/0x{hex}
kernel | emerg | e | lr : {word}_poll+0x{hex}/0x{hex}
kernel | emerg | e | sp : {addr}
kernel | emerg | e | x29: {addr} x28: {addr} x27: 0000000000000000
kernel | emerg | e | ESR = 0x96000005
kernel | emerg | e |   EC = 0x25: DABT (current EL), IL = 32 bits
kernel | emerg | e |   SET = 0, FnV = 0
kernel | emerg | C | Unhandled fault: imprecise external abort (0x1406) at {addr}
kernel | emerg | C | Machine check in kernel mode.
kernel | emerg | C | Oops: Kernel access of bad area, sig: 11 [#{n}]
kernel | emerg | e | NIP:  {addr} LR: {addr} CTR: {addr}
kernel | emerg | e | MSR:  8000000000009033 <SF,EE,ME,IR,DR,RI,LE>  CR: 28002422  XER: 20000000
kernel | emerg | e | CFAR: {addr} DAR: {addr} DSISR: 40000000 IRQMASK: 0
kernel | emerg | e | GPR00: {addr} {addr} {addr} {addr}
kernel | emerg | e | NIP [{addr}] {word}_irq+0x{hex}/0x{hex}
kernel | emerg | C | Unrecoverable exception 700 at {addr} (msr=9000000000021033)
# machine checks and memory errors: the event, then its registers
kernel | crit | C | mce: [Hardware Error]: CPU {cpu}: Machine Check: 0 Bank {n}: bd80000000100134
kernel | crit | e | mce: [Hardware Error]: RIP !INEXACT! 10:<{addr}> {{intel_idle+0x{hex}/0x{hex}}}
kernel | crit | e | mce: [Hardware Error]: TSC {hex} ADDR {hex} MISC {hex}
kernel | crit | e | mce: [Hardware Error]: PROCESSOR 0:50654 TIME {big} SOCKET {n} APIC {n} microcode 2006e05
kernel | crit | C | EDAC MC{n}: 1 UE memory read error on CPU_SrcID#{n}_Ha#0_Chan#{n}_DIMM#0 (channel:{n} slot:0 page:0x{hex} offset:0x0 grain:32 - OVERFLOW)
kernel | warning | w | EDAC MC{n}: 1 CE memory read error on CPU_SrcID#{n}_Ha#0_Chan#{n}_DIMM#0 (channel:{n} slot:0 page:0x{hex} offset:0x{hex} grain:32 syndrome:0x0)
kernel | info | i | EDAC {word}: {n} corrected memory errors in the last hour on DIMM_{n}, below the replacement threshold
kernel | emerg | C | NMI: PCI system error (SERR) for reason b1 on CPU {cpu}.
kernel | err | e | Uhhuh. NMI received for unknown reason 2d on CPU {cpu}.
kernel | emerg | C | Kernel panic - not syncing: Timeout: Not all CPUs entered broadcast exception handler
kernel | err | e | traps: {svc}[{pid}] general protection fault ip:{hex} sp:{hex} error:0 in libc.so.6[{hex}+{hex}]
kernel | err | e | traps: {svc}[{pid}] trap divide error ip:{hex} sp:{hex} error:0 in {svc}[{hex}+{hex}]
kernel | err | w | {svc}[{pid}]: unhandled signal 11 code 0x1 at {addr} in {svc}[{hex}+{hex}]
# configuration and state tables printed as dotted leaders or label: value
zephyr | ERR | C | >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0
zephyr | ERR | e | ***** MPU FAULT *****
zephyr | ERR | e |   Data Access Violation
zephyr | ERR | e |   MMFAR Address: {addr}
zephyr | ERR | e | r0/a1:  {addr}  r1/a2:  {addr}  r2/a3:  {addr}
zephyr | ERR | e | Faulting instruction address (r15/pc): {addr}
freertos | - | C | Guru Meditation Error: Core  {n} panic'ed (LoadProhibited). Exception was unhandled.
freertos | - | e | PC      : {addr}  PS      : {addr}  A0      : {addr}  A1      : {addr}
freertos | - | e | EXCVADDR: {addr}  LBEG    : {addr}  LEND    : {addr}  LCOUNT  : {addr}
nic | crit | i |   Link speed ................. {n}000 Mb/s
nic | crit | i |   Firmware version ........... {version}
bios | FATAL | e |   Error status register ...... {addr}
kernel | info | i | Memory: {int}K/{int}K available ({int}K kernel code, {int}K rwdata, {int}K rodata)
firmware | FATAL | e | Boot status register: {addr}
firmware | FATAL | e | Reset reason ........... watchdog ({n})
firmware | FATAL | C | Firmware assertion failed in {word}_task at line {int}; controller halted
postgresql | LOG | i |   checkpoint_timeout ................. {n}min
java | ERROR | e | # SIGSEGV (0xb) at pc={addr}, pid={pid}, tid={pid}
java | ERROR | C | # A fatal error has been detected by the Java Runtime Environment:
java | ERROR | e | # JRE version: OpenJDK Runtime Environment (17.0.{n}+{n}) (build 17.0.{n}+{n})
java | ERROR | e | # Problematic frame:
java | ERROR | e | # V  [libjvm.so+0x{hex}]  G1ParScanThreadState::copy_to_survivor_space+0x{hex}
go | FATAL | e | goroutine {n} [running]:
go | FATAL | e | created by net/http.(*Server).Serve in goroutine {n}
go | FATAL | e | rax    {addr}\nrbx    {addr}\nrcx    {addr}
gdb | error | e | #0  {addr} in raise () from /lib64/libc.so.6
gdb | error | e | #1  {addr} in abort () from /lib64/libc.so.6
windows | Critical | e | BugCheck parameter 1: {addr}
windows | Critical | C | The computer has rebooted from a bugcheck.  The bugcheck was: 0x0000007e ({addr}, {addr}, {addr}, {addr}).
# a user's job that could not start: the scheduler says so loudly; the user fixes it
slurmstepd | error | w | error: execve(): {path}/{file}: No such file or directory
slurmstepd | error | w | error: execve(): {path}/run.sh: Permission denied
slurmstepd | error | w | error: couldn't chdir to `{path}': No such file or directory: going to /tmp instead
srun | error | w | srun: error: {node}: task {n}: Exited with exit code 127
srun | error | w | srun: error: {node}: tasks 0-{n}: Exited with exit code 2
sbatch | error | w | sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified
sbatch | error | w | sbatch: error: Unable to open file {path}/job.sh
mpirun | - | w | mpirun was unable to launch the specified application as it could not access or execute an executable:\nExecutable: {path}/a.out\nNode: {node}\nwhile attempting to start process rank {n}.
mpirun | FATAL | w | mpirun: FATAL: cannot load program {path}/solver: Exec format error
mpiexec | fatal | w | mpiexec: fatal: unable to open host file {path}/hosts: No such file or directory
htcondor | - | w | Job {jobid}.0 was held: Error from slot1@{node}: Failed to execute '{path}/analyze.sh': (errno=13: 'Permission denied')
pbs | - | w | PBS: chdir to {path} failed: No such file or directory
lsf | - | w | LSF: job <{jobid}> failed to start: the executable {path}/model.x does not exist or is not executable
app | FATAL | w | {path}/a.out: error while loading shared libraries: libmpi.so.40: cannot open shared object file: No such file or directory
app | FATAL | w | FATAL: input deck {path}/input.nml not found; run aborted before the first step
app | FATAL | w | FATAL ERROR: unable to open restart file {path}/restart.{n}: Permission denied
app | ERROR | w | bash: {path}/start.sh: cannot execute binary file: Exec format error
jenkins | ERROR | w | ERROR: script returned exit code 1 in stage 'unit tests' of {svc} #{int}
gitlab-runner | ERROR | w | ERROR: Job failed: exit code 1
make | - | w | make: *** [Makefile:{n}: build] Error 2
cron | - | w | ({user}) CMD ({path}/report.sh) failed: /bin/sh: 1: {path}/report.sh: not found
# the daemons beside those jobs losing their links, disks and nodes: critical
slurmd | error | C | error: Unable to contact slurm controller (connect failure); node {node} cannot launch jobs
lustre | - | C | LustreError: {pid}:0:(obd_mount_server.c:{n}:server_fill_super()) Unable to start targets: -5; mount of {word}-OST{hex} failed
lustre | - | C | LustreError: 15c-8: MGC{ip}@o2ib: The configuration from log '{word}-client' failed (-5). This may be the result of communication errors between this node and the MGS.
infiniband | - | C | ib0: fatal error: link down on port {n}, all RDMA traffic to {node} lost
kernel | crit | C | {iface}: Detected Hardware Unit Hang:\n  TDH                  <{hex}>\n  TDT                  <{hex}>
kernel | emerg | C | watchdog: BUG: soft lockup - CPU#{cpu} stuck for {n}s! [{svc}:{pid}]
kernel | crit | C | nfs: server {host} not responding, timed out
""",
)

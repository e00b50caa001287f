"""Networking: routers and switches (IOS, NX-OS, Junos), BGP/OSPF daemons, firewalls, DNS, DHCP, VPNs,
VRRP, load balancers, NIC drivers."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "network",
    r"""
ios | - | w | %LINK-3-UPDOWN: Interface GigabitEthernet0/{n}, changed state to down
ios | - | i | %LINK-3-UPDOWN: Interface GigabitEthernet0/{n}, changed state to up
ios | - | i | %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/{n}, changed state to up
ios | - | w | %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/{n}, changed state to down
ios | - | C | %BGP-5-ADJCHANGE: neighbor {ip} Down BGP Notification sent\n%BGP-3-NOTIFICATION: sent to neighbor {ip} 4/0 (hold time expired) 0 bytes
ios | - | C | %BGP-3-NOTIFICATION: sent to neighbor {ip} 4/0 (hold time expired) 0 bytes
ios | - | i | %BGP-5-ADJCHANGE: neighbor {ip} Up
ios | - | i | %BGP-5-ADJCHANGE: neighbor {ip} Down User reset
ios | - | w | %BGP-4-MAXPFX: No. of prefix received from {ip} (afi 0) reaches {int}, max {int}
ios | - | e | %BGP-3-MAXPFXEXCEED: No. of prefix received from {ip} (afi 0): {int} exceed limit {int}
ios | - | e | %OSPF-5-ADJCHG: Process 1, Nbr {ip} on Vlan{n} from FULL to DOWN, Neighbor Down: Dead timer expired
ios | - | i | %OSPF-5-ADJCHG: Process 1, Nbr {ip} on Vlan{n} from LOADING to FULL, Loading Done
ios | - | i | %SYS-5-CONFIG_I: Configured from console by {user} on vty0 ({ip})
ios | - | i | %SEC-6-IPACCESSLOGP: list 101 denied tcp {ip}({port}) -> {ip}({port}), 1 packet
ios | - | C | %SYS-2-MALLOCFAIL: Memory allocation of {int} bytes failed from {addr}, alignment 0\nPool: Processor  Free: {int}  Cause: Memory fragmentation
ios | - | e | %PLATFORM-2-PS_FAIL: Power supply 2 failed or shutdown
ios | - | C | %ENVMON-1-SHUTDOWN: Environmental Monitor initiated shutdown due to temperature exceeding critical threshold
ios | - | w | %PLATFORM_ENV-1-FAN: Faulty fan detected
ios | - | e | %SW_MATM-4-MACFLAP_NOTIF: Host {mac} in vlan {n} is flapping between port Gi1/0/{n} and port Gi1/0/{n}
ios | - | e | %DUAL-5-NBRCHANGE: EIGRP-IPv4 100: Neighbor {ip} (Vlan{n}) is down: holding time expired
ios | - | w | %HSRP-5-STATECHANGE: Vlan{n} Grp {n} state Standby -> Active
ios | - | w | %CDP-4-NATIVE_VLAN_MISMATCH: Native VLAN mismatch discovered on GigabitEthernet1/0/{n} ({n}), with {host} GigabitEthernet0/{n} ({n}).
ios | - | C | %SPANTREE-2-LOOPGUARD_BLOCK: Loop guard blocking port GigabitEthernet1/0/{n} on VLAN{n}.\n%SW_MATM-4-MACFLAP_NOTIF: broadcast storm detected
ios | - | i | %SSH-5-SSH2_SESSION: SSH2 Session request from {ip} (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded
ios | - | w | %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: {user}] [Source: {ip}] [localport: 22] [Reason: Login Authentication Failed]
ios | - | e | %ILPOWER-3-CONTROLLER_PORT_ERR: Controller port error, Interface Gi1/0/{n}: Power given, but State Machine Power Good wait timer timed out
nxos | - | e | %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/{n} is down (Link failure)
nxos | - | i | %ETHPORT-5-IF_UP: Interface Ethernet1/{n} is up in mode access
nxos | - | C | %VPC-2-PEER_KEEP_ALIVE_RECV_FAIL: In domain {n}, VPC peer keep-alive receive has failed\n%VPC-2-VPC_SUSP_ALL_VPC: Peer-link going down, suspending all vPCs on secondary
junos | - | e | mib2d[{pid}]: SNMP_TRAP_LINK_DOWN: ifIndex {int}, ifAdminStatus up(1), ifOperStatus down(2), ifName xe-0/0/{n}
junos | - | i | mib2d[{pid}]: SNMP_TRAP_LINK_UP: ifIndex {int}, ifAdminStatus up(1), ifOperStatus up(1), ifName xe-0/0/{n}
junos | - | e | rpd[{pid}]: BGP_IO_ERROR_CLOSE_SESSION: BGP peer {ip} (External AS {int}): Error event Operation timed out(60) for I/O session - closing it
junos | - | C | rpd[{pid}]: bgp_hold_timeout:{n}: NOTIFICATION sent to {ip} (External AS {int}): code 4 (Hold Timer Expired Error), Reason: holdtime expired for {ip} (External AS {int})
junos | - | e | chassisd[{pid}]: CHASSISD_SNMP_TRAP10: SNMP trap generated: FRU power off (jnxFruContentsIndex 7, jnxFruL1Index 1)
junos | - | C | alarmd[{pid}]: Alarm set: FPC color=RED, class=CHASSIS, reason=FPC 0 Major Errors
junos | - | i | alarmd[{pid}]: Alarm cleared: FPC color=RED, class=CHASSIS, reason=FPC 0 Major Errors
junos | - | i | mgd[{pid}]: UI_COMMIT: User '{user}' requested 'commit' operation (comment: none)
frr | - | e | bgpd[{pid}]: %ADJCHANGE: neighbor {ip}({host}) in vrf default Down Peer closed the session
frr | - | C | bgpd[{pid}]: [{hex}] {ip} [FSM] Timer (holdtime timeout)\nbgpd: %NOTIFICATION: sent to neighbor {ip} 4/0 (Hold Timer Expired) 0 bytes
frr | - | i | bgpd[{pid}]: %ADJCHANGE: neighbor {ip}({host}) in vrf default Up
frr | - | i | zebra[{pid}]: [{hex}] {iface}: Link state changed to up
bird | - | i | bird: {word}_peer: BGP session established
bird | - | e | bird: {word}_peer: Error: Hold timer expired
bird | - | w | bird: {word}_peer: Received: Administrative shutdown
asa | - | i | %ASA-4-106023: Deny tcp src outside:{ip}/{port} dst inside:{ip}/{port} by access-group "outside_access_in" [0x0, 0x0]
asa | - | C | %ASA-1-105005: (Primary) Lost Failover communications with mate on interface inside
asa | - | e | %ASA-1-104001: (Secondary) Switching to ACTIVE - Other unit wants me Active. Secondary unit switch reason: Interface check.
asa | - | i | %ASA-6-302013: Built inbound TCP connection {int} for outside:{ip}/{port} ({ip}/{port}) to inside:{ip}/{port} ({ip}/{port})
asa | - | i | %ASA-6-302014: Teardown TCP connection {int} for outside:{ip}/{port} to inside:{ip}/{port} duration 0:00:{n} bytes {int} TCP FINs
asa | - | C | %ASA-3-201008: Disallowing new connections.
asa | - | i | %ASA-2-106001: Inbound TCP connection denied from {ip}/{port} to {ip}/{port} flags SYN  on interface outside
asa | - | i | %ASA-3-710003: TCP access denied by ACL from {ip}/{port} to outside:{ip}/{port}
asa | - | w | %ASA-4-733100: [ Scanning] drop rate-1 exceeded. Current burst rate is {n} per second, max configured rate is 10
asa | - | w | %ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = {ip} : user = {user}
paloalto | - | i | 1,{date} {time},{big},TRAFFIC,end,2561,{date} {time},{ip},{ip},0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1
paloalto | - | C | 1,{date} {time},{big},SYSTEM,ha,0,{date} {time},,state-change,,0,0,general,critical,"HA Group {n}: Moved from state Passive to state Active; peer unreachable (split-brain risk)"
pfsense | - | i | filterlog: {n},,,{big},{iface},match,block,in,4,0x0,,{n},{int},0,none,6,tcp,60,{ip},{ip},{port},{port},0,S,{int},,64240,,mss;sackOK;TS;nop;wscale
iptables | - | i | IN={iface} OUT= MAC={mac} SRC={ip} DST={ip} LEN=44 TOS=0x00 PREC=0x00 TTL={n} ID={int} PROTO=TCP SPT={port} DPT={port} WINDOW=1024 RES=0x00 SYN URGP=0
named | - | i | client @{addr} {ip}#{port} ({fqdn}): query (cache) '{fqdn}/A/IN' denied
named | - | i | zone {fqdn}/IN: loaded serial {int}
named | - | i | error (network unreachable) resolving './DNSKEY/IN': 2001:500:2f::f#53
named | - | w | managed-keys-zone: Unable to fetch DNSKEY set '.': timed out
named | - | w | zone {fqdn}/IN: refresh: failure trying primary {ip}#53 (source 0.0.0.0#0): operation canceled
named | - | C | zone {fqdn}/IN: expired
named | - | i | client @{addr} {ip}#{port} ({fqdn}): query: {fqdn} IN A +E(0)K ({ip})
named | - | e | zone {fqdn}/IN: NS '{fqdn}' has no address records (A or AAAA)
unbound | - | w | [{pid}:0] error: SERVFAIL <{fqdn}. A IN>: all servers for this domain failed, at zone {fqdn}.
unbound | - | i | [{pid}:0] info: generate keytag query _ta-4f66. NULL IN
dnsmasq | - | i | DHCPACK({iface}) {ip} {mac} {host}
dnsmasq | - | i | DHCPREQUEST({iface}) {ip} {mac}
dhcpd | - | e | DHCPDISCOVER from {mac} via {iface}: network 10.{n}.0.0/16: no free leases
dhcpd | - | i | DHCPOFFER on {ip} to {mac} ({host}) via {iface}
charon | - | i | {n}[IKE] IKE_SA {word}[{n}] established between {ip}[{ip}]...{ip}[{ip}]
charon | - | i | {n}[IKE] deleting IKE_SA {word}[{n}] between {ip}[{ip}]...{ip}[{ip}]
charon | - | e | {n}[IKE] giving up after 5 retransmits\n{n}[IKE] establishing IKE_SA failed, peer not responding
openvpn | - | w | TLS Error: TLS key negotiation failed to occur within 60 seconds (check your network connectivity)
openvpn | - | w | [{host}] Inactivity timeout (--ping-restart), restarting
openvpn | - | i | {ip}:{port} Peer Connection Initiated with [AF_INET]{ip}:{port}
openvpn | - | i | Initialization Sequence Completed
wireguard | - | w | wireguard: wg0: Handshake for peer {n} ({ip}:{port}) did not complete after 5 seconds, retrying (try {n})
keepalived | - | w | Keepalived_vrrp[{pid}]: (VI_1) Entering MASTER STATE
keepalived | - | i | Keepalived_vrrp[{pid}]: (VI_1) Entering BACKUP STATE
keepalived | - | e | Keepalived_vrrp[{pid}]: VRRP_Script(chk_haproxy) failed (exited with status 1)
keepalived | - | C | Keepalived_vrrp[{pid}]: (VI_1) Received advert from {ip} with lower priority {n}, ours {n}, both nodes MASTER for {ip}
f5 | - | e | Pool /Common/{svc}_pool member /Common/{ip}:{port} monitor status down. [ /Common/http: down; last error: Unable to connect ]  [ was up for {n}hr:{n}mins:{n}sec ]
f5 | - | C | No members available for pool /Common/{svc}_pool
f5 | - | i | Pool /Common/{svc}_pool member /Common/{ip}:{port} monitor status up. [ /Common/http: up ]
nic | - | e | ixgbe 0000:03:00.{n} {iface}: Detected Tx Unit Hang\n  Tx Queue             <{n}>\n  TDH, TDT             <{hex}>, <{hex}>
nic | - | C | bnx2x: [bnx2x_attn_int_deasserted3:{n}({iface})]MC assert!\nbnx2x: [bnx2x_panic_dump:{n}({iface})]begin crash dump -----------------
nic | - | C | mlx5_core 0000:{n}:00.0: mlx5_health_check_fatal_sensors:{n}:(pid {pid}): Fatal error detected\nmlx5_core 0000:{n}:00.0: PCI link down
nic | - | i | {iface}: renamed from eth0
nic | - | w | i40e 0000:{n}:00.0: {iface}: NIC Link is Down
nic | - | i | i40e 0000:{n}:00.0: {iface}: NIC Link is Up, 25 Gbps Full Duplex, Flow Control: None
nic | - | w | {iface}: {int} rx errors, {int} dropped, {int} overruns in the last minute
snmp | - | e | linkDown trap from {ip}: ifIndex={n} ifDescr=uplink-{n} ifOperStatus=down
snmp | - | i | linkUp trap from {ip}: ifIndex={n} ifDescr=port-{n} ifOperStatus=up
ping-monitor | - | C | Host {host} ({ip}) unreachable: 100% packet loss over 5 minutes
ping-monitor | - | w | Host {host} ({ip}) packet loss {pct}%, rtt avg {float} ms
ping-monitor | - | i | Host {host} ({ip}) is reachable again after {dur}
""",
)

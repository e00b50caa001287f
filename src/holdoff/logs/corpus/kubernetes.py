"""Kubernetes: kubelet, API server, scheduler, controller manager, etcd, CoreDNS, cert-manager, events;
container runtimes: Docker, containerd, Podman."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "kubernetes",
    r"""
kubelet | E | e | pod_workers.go:{n}] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"{container}\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container={container} pod={pod}_{ns}({uuid})\"" pod="{ns}/{pod}" podUID="{uuid}"
kubelet | I | i | kubelet.go:{n}] "SyncLoop (PLEG): event for pod" pod="{ns}/{pod}" event={{"ID":"{uuid}","Type":"ContainerStarted","Data":"{sha}"}}
kubelet | I | i | kubelet.go:{n}] "SyncLoop ADD" source="api" pods=["{ns}/{pod}"]
kubelet | I | i | kuberuntime_container.go:{n}] "Killing container with a grace period" pod="{ns}/{pod}" podUID="{uuid}" containerName="{container}" containerID="containerd://{sha}" gracePeriod=30
kubelet | E | e | remote_image.go:{n}] "PullImage from image service failed" err="rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/{svc}:{version}\": not found" image="registry.example.com/{svc}:{version}"
kubelet | E | w | kuberuntime_manager.go:{n}] "Back-off pulling image" image="registry.example.com/{svc}:{version}"
kubelet | W | e | eviction_manager.go:{n}] "Eviction manager: attempting to reclaim" resourceName="memory"
kubelet | I | e | eviction_manager.go:{n}] "Eviction manager: pods evicted, waiting for pod to be cleaned up" pods=["{ns}/{pod}"]
kubelet | W | e | eviction_manager.go:{n}] "Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"
kubelet | I | C | kubelet_node_status.go:{n}] "Node became not ready" node="{host}" condition={{"type":"Ready","status":"False","reason":"KubeletNotReady","message":"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"}}
kubelet | E | C | kubelet.go:{n}] "Skipping pod synchronization" err="container runtime is down"
kubelet | E | C | kubelet.go:{n}] "Container runtime not ready" runtimeReady="RuntimeReady=false reason:ContainerdNotReady message:\"rpc error: code = Unavailable desc = connection error\""
kubelet | E | w | summary_sys_containers.go:{n}] "Failed to get system container stats" err="failed to get cgroup stats for \"/system.slice/docker.service\": failed to get container info for \"/system.slice/docker.service\": unknown container \"/system.slice/docker.service\"" containerName="/system.slice/docker.service"
kubelet | I | w | prober.go:{n}] "Probe failed" probeType="Readiness" pod="{ns}/{pod}" podUID="{uuid}" containerName="{container}" probeResult="failure" output="Get \"http://{ip}:8080/ready\": dial tcp {ip}:8080: connect: connection refused"
kubelet | I | e | prober.go:{n}] "Probe failed" probeType="Liveness" pod="{ns}/{pod}" podUID="{uuid}" containerName="{container}" probeResult="failure" output="HTTP probe failed with statuscode: 500"
kubelet | I | w | kuberuntime_manager.go:{n}] "Message for Container of pod" containerName="{container}" containerStatusID={{"Type":"containerd","ID":"{sha}"}} pod="{ns}/{pod}" containerMessage="Container {container} failed liveness probe, will be restarted"
kubelet | E | e | pod_workers.go:{n}] "Error syncing pod, skipping" err="unmounted volumes=[data], unattached volumes=[data kube-api-access-{hex}]: timed out waiting for the condition" pod="{ns}/{pod}"
kubelet | E | e | nestedpendingoperations.go:{n}] Operation for "{{volumeName:kubernetes.io/secret/{uuid}-tls podName:{uuid} nodeName:}}" failed. No retries permitted until {date} {time} (durationBeforeRetry {dur}). Error: MountVolume.SetUp failed for volume "tls" : secret "{svc}-tls" not found
kubelet | E | w | dns.go:{n}] "Nameserver limits exceeded" err="Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {ip} {ip} {ip}"
kubelet | E | i | kubelet.go:{n}] "Image garbage collection failed once. Stats initialization may not have completed yet" err="invalid capacity 0 on image filesystem"
kubelet | E | e | kubelet_node_status.go:{n}] "Error updating node status, will retry" err="error getting node \"{host}\": Get \"https://{ip}:6443/api/v1/nodes/{host}?timeout=10s\": context deadline exceeded"
kubelet | E | e | controller.go:{n}] "Failed to update lease" err="Put \"https://{ip}:6443/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{host}?timeout=10s\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
kubelet | E | C | certificate_manager.go:{n}] "Certificate request was not signed" err="timed out waiting for the condition"\nkubelet: x509: certificate has expired or is not yet valid
kubelet | E | C | kubelet.go:{n}] "Failed to start ContainerManager" err="failed to get rootfs info: unable to find data in memory cache"
kubelet | I | i | kubelet.go:{n}] "Started kubelet"
kubelet | W | i | container.go:{n}] Failed to get RecentStats("/system.slice/{svc}.service") while determining the next housekeeping: unable to find data in memory cache
kubelet | I | C | oom_watcher_linux.go:{n}] "Got sys oom event" event={{"Pid":{pid},"ProcessName":"{svc}","TimeOfDeath":"{date}T{time}Z","ContainerName":"/kubepods/burstable/pod{uuid}","VictimContainerName":"/kubepods/burstable/pod{uuid}/{sha}","Constraint":"CONSTRAINT_MEMCG"}}
kube-apiserver | I | i | httplog.go:{n}] "HTTP" verb="GET" URI="/api/v1/namespaces/{ns}/pods?limit=500" latency="{dur}" userAgent="kubectl/v1.{n}.{n}" audit-ID="{uuid}" srcIP="{ip}:{port}" resp=200
kube-apiserver | E | w | authentication.go:{n}] "Unable to authenticate the request" err="[invalid bearer token, service account token has expired]"
kube-apiserver | W | i | watcher.go:{n}] watch chan error: etcdserver: mvcc: required revision has been compacted
kube-apiserver | W | w | logging.go:{n}] [core] [Channel #{n} SubChannel #{n}] grpc: addrConn.createTransport failed to connect to {{Addr: "{ip}:2379", ServerName: "{ip}", }}. Err: connection error: desc = "transport: Error while dialing: dial tcp {ip}:2379: connect: connection refused"
kube-apiserver | E | C | run.go:{n}] "command failed" err="unable to load server certificate: open /etc/kubernetes/pki/apiserver.crt: no such file or directory"
kube-apiserver | E | e | timeout.go:{n}] post-timeout activity - time-elapsed: {dur}, GET "/apis/metrics.k8s.io/v1beta1" result: <nil>
kube-apiserver | E | e | controller.go:{n}] loading OpenAPI spec for "v1beta1.metrics.k8s.io" failed with: failed to retrieve openAPI spec, http error: ResponseCode: 503, Body: service unavailable
kube-apiserver | E | C | status.go:{n}] "Unhandled Error" err="etcdserver: request timed out" logger="UnhandledError"\nkube-apiserver: etcd cluster is unavailable or misconfigured
kube-apiserver | E | C | x509: certificate has expired or is not yet valid: current time {date}T{time}Z is after {date}T{time}Z
kube-scheduler | I | w | schedule_one.go:{n}] "Unable to schedule pod; no fit; waiting" pod="{ns}/{pod}" err="0/{n} nodes are available: {n} Insufficient memory, {n} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}. preemption: 0/{n} nodes are available: {n} No preemption victims found for incoming pod."
kube-scheduler | I | i | schedule_one.go:{n}] "Successfully bound pod to node" pod="{ns}/{pod}" node="{host}" evaluatedNodes={n} feasibleNodes={n}
kube-scheduler | E | e | leaderelection.go:{n}] failed to renew lease kube-system/kube-scheduler: timed out waiting for the condition
kube-scheduler | F | e | server.go:{n}] "leaderelection lost"
kube-controller-manager | E | i | deployment_controller.go:{n}] "Error syncing deployment" deployment="{ns}/{svc}" err="Operation cannot be fulfilled on replicasets.apps \"{svc}-{hex}\": the object has been modified; please apply your changes to the latest version and try again"
kube-controller-manager | I | i | event.go:{n}] "Event occurred" object="{ns}/{svc}" fieldPath="" kind="Deployment" apiVersion="apps/v1" type="Normal" reason="ScalingReplicaSet" message="Scaled up replica set {svc}-{hex} to {n}"
kube-controller-manager | I | w | event.go:{n}] "Event occurred" object="{ns}/{pod}" kind="Pod" apiVersion="v1" type="Warning" reason="FailedScheduling" message="0/{n} nodes are available: {n} Insufficient cpu."
kube-controller-manager | I | C | node_lifecycle_controller.go:{n}] "Node is NotReady. Adding it to the Taint queue" node="{host}"\nController detected that all Nodes are not-Ready. Entering master disruption mode
kube-controller-manager | E | e | horizontal.go:{n}] "Unhandled Error" err="failed to compute desired number of replicas based on listed metrics for Deployment/{ns}/{svc}: invalid metrics (1 invalid out of 1)"
kube-proxy | I | i | server_others.go:{n}] "Using iptables Proxier"
kube-proxy | E | e | proxier.go:{n}] "Failed to execute iptables-restore" err="exit status 1: iptables-restore: line {n} failed"
etcd | warn | w | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"etcdserver/util.go:{n}","msg":"apply request took too long","took":"{dur}","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/pods/{ns}/\" range_end:\"/registry/pods/{ns}0\" "}}
etcd | warn | e | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"wal/wal.go:{n}","msg":"slow fdatasync","took":"{dur}","expected-duration":"1s"}}
etcd | info | w | {{"level":"info","ts":"{date}T{time}.{int}Z","logger":"raft","caller":"etcdserver/zap_raft.go:{n}","msg":"raft.node: {hex} elected leader {hex} at term {n}"}}
etcd | info | e | {{"level":"info","ts":"{date}T{time}.{int}Z","logger":"raft","msg":"raft.node: {hex} lost leader {hex} at term {n}"}}
etcd | warn | C | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"etcdserver/server.go:{n}","msg":"alarm raised","alarm":"NOSPACE","from":"{hex}"}}\netcdserver: mvcc: database space exceeded
etcd | warn | e | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"rafthttp/probing_status.go:{n}","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_RAFT_MESSAGE","remote-peer-id":"{hex}","rtt":"0s","error":"dial tcp {ip}:2380: connect: connection refused"}}
etcd | error | C | {{"level":"error","ts":"{date}T{time}.{int}Z","caller":"rafthttp/http.go:{n}","msg":"request cluster ID mismatch","local-member-id":"{hex}","local-member-cluster-id":"{hex}","local-member-server-version":"3.5.{n}","remote-peer-cluster-id":"{hex}"}}
etcd | panic | C | {{"level":"panic","ts":"{date}T{time}.{int}Z","caller":"backend/backend.go:{n}","msg":"failed to open database","path":"/var/lib/etcd/member/snap/db","error":"invalid database"}}
etcd | info | i | {{"level":"info","ts":"{date}T{time}.{int}Z","caller":"mvcc/kvstore_compaction.go:{n}","msg":"finished scheduled compaction","compact-revision":{int},"took":"{dur}"}}
etcd | warn | w | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"etcdserver/raft.go:{n}","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"{hex}","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"{dur}"}}
etcd | warn | w | {{"level":"warn","ts":"{date}T{time}.{int}Z","caller":"rafthttp/probing_status.go:{n}","msg":"prober found high clock drift","round-tripper-name":"ROUND_TRIPPER_SNAPSHOT","remote-peer-id":"{hex}","clock-drift":"{dur}","rtt":"{dur}"}}
coredns | - | i | [INFO] {ip}:{port} - {int} "A IN {word}.{ns}.svc.cluster.local. udp {n} false 512" NXDOMAIN qr,aa,rd 134 0.000{int}s
coredns | - | i | [INFO] {ip}:{port} - {int} "AAAA IN {fqdn}. udp {n} false 512" NOERROR qr,rd,ra {int} 0.00{int}s
coredns | - | w | [ERROR] plugin/errors: 2 {fqdn}. A: read udp {ip}:{port}->{ip}:53: i/o timeout
coredns | - | C | [FATAL] plugin/loop: Loop (127.0.0.1:{port} -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO {int}.{int}."
coredns | - | i | [INFO] plugin/reload: Running configuration SHA512 = {sha}
cert-manager | I | i | conditions.go:{n}] "Setting lastTransitionTime for Certificate condition" condition="Ready" lastTransitionTime="{date} {time}"
cert-manager | E | w | controller.go:{n}] "re-queuing item due to error processing" err="Operation cannot be fulfilled on certificates.cert-manager.io \"{svc}-tls\": the object has been modified; please apply your changes to the latest version and try again" logger="cert-manager.controller" key="{ns}/{svc}-tls"
cert-manager | E | e | sync.go:{n}] "propagation check failed" err="DNS record for \"{fqdn}\" not yet propagated" logger="cert-manager.challenges" resource_name="{svc}-tls-{int}"
cert-manager | E | C | sync.go:{n}] "error issuing certificate" err="certificate {ns}/{svc}-tls expired on {date}T{time}Z and renewal failed: 403 urn:ietf:params:acme:error:unauthorized"
k8s-event | Normal | i | Scheduled pod/{pod} Successfully assigned {ns}/{pod} to {host}
k8s-event | Normal | i | Pulled pod/{pod} Successfully pulled image "registry.example.com/{svc}:{version}" in {dur} (including waiting)
k8s-event | Normal | i | Created pod/{pod} Created container {container}
k8s-event | Normal | i | Started pod/{pod} Started container {container}
k8s-event | Warning | e | BackOff pod/{pod} Back-off restarting failed container {container} in pod {pod}_{ns}({uuid})
k8s-event | Warning | w | Unhealthy pod/{pod} Readiness probe failed: HTTP probe failed with statuscode: 503
k8s-event | Warning | e | FailedMount pod/{pod} MountVolume.SetUp failed for volume "config" : configmap "{svc}-config" not found
k8s-event | Warning | C | OOMKilling node/{host} Memory cgroup out of memory: Killed process {pid} ({svc}) total-vm:{int}kB, anon-rss:{int}kB
k8s-event | Warning | e | Evicted pod/{pod} The node was low on resource: memory. Threshold quantity: 100Mi, available: {int}Ki.
k8s-event | Warning | C | NodeNotReady node/{host} Node {host} status is now: NodeNotReady
k8s-event | Warning | w | FailedScheduling pod/{pod} 0/{n} nodes are available: {n} node(s) didn't match pod anti-affinity rules.
k8s-event | Normal | i | Killing pod/{pod} Stopping container {container}
k8s-event | Normal | i | SuccessfulCreate replicaset/{svc}-{hex} Created pod: {pod}
k8s-event | Warning | C | OOMKilled pod/{pod} Container {container} was OOMKilled (exit code 137), restarting
k8s-event | Warning | e | FailedCreatePodSandBox pod/{pod} Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sha}": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized
k8s-event | Warning | w | ProvisioningFailed persistentvolumeclaim/{svc}-data storageclass.storage.k8s.io "fast-ssd" not found
dockerd | info | i | level=info msg="Container failed to exit within 10s of signal 15 - using the force" container={sha}
dockerd | error | i | level=error msg="Handler for POST /v1.43/containers/{hex}/stop returned error: No such container: {hex}"
dockerd | warning | i | level=warning msg="Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap."
dockerd | error | w | level=error msg="Not continuing with pull after error: errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n"
dockerd | error | C | level=error msg="Failed to log msg \"\" for logger json-file: write /var/lib/docker/containers/{sha}/{sha}-json.log: no space left on device"
dockerd | info | i | level=info msg="ignoring event" container={sha} module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"
dockerd | error | i | level=error msg="stream copy error: reading from a closed fifo"
dockerd | fatal | C | level=fatal msg="Error starting daemon: error initializing graphdriver: driver not supported: overlay2"
dockerd | fatal | C | level=fatal msg="failed to start daemon: error while opening volume store metadata database: timeout"
dockerd | error | e | level=error msg="Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app/start.sh\": permission denied: unknown"
dockerd | warning | w | level=warning msg="Health check for container {sha} error: context deadline exceeded"
dockerd | warning | w | level=warning msg="Error getting v2 registry: Get \"https://registry-1.docker.io/v2/\": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)"
dockerd | error | e | level=error msg="Handler for POST /v1.43/images/create returned error: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading"
dockerd | info | i | level=info msg="API listen on /run/docker.sock"
dockerd | info | i | level=info msg="Loading containers: done."
containerd | info | i | level=info msg="StartContainer for \"{sha}\" returns successfully"
containerd | info | i | level=info msg="RunPodSandbox for &PodSandboxMetadata{{Name:{pod},Uid:{uuid},Namespace:{ns},Attempt:0,}} returns sandbox id \"{sha}\""
containerd | error | i | level=error msg="ContainerStatus for \"{sha}\" failed" error="rpc error: code = NotFound desc = an error occurred when try to find container \"{sha}\": not found"
containerd | info | w | level=info msg="TaskExit event in podsandbox handler container_id:\"{sha}\" id:\"{sha}\" pid:{pid} exit_status:137 exited_at:{{seconds:{big} nanos:{int}}}"
containerd | warning | i | level=warning msg="cleaning up after shim disconnected" id={sha} namespace=k8s.io
containerd | error | e | level=error msg="failed to reload cni configuration after receiving fs change event(REMOVE \"/etc/cni/net.d/10-calico.conflist\")" error="cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config"
containerd | error | i | level=error msg="Failed to handle backOff event &TaskExit{{ContainerID:{sha},ID:{sha},Pid:{pid},ExitStatus:0,}} for {sha}" error="failed to handle container TaskExit event: failed to stop container: context deadline exceeded: unknown"
containerd | error | C | level=error msg="failed to initialize a tracing processor \"otlp\"" error="no OpenTelemetry endpoint: skip plugin"\ncontainerd: failed to load plugin io.containerd.snapshotter.v1.overlayfs: mkdir /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs: read-only file system
podman | - | e | Error: unable to start container "{sha}": crun: cannot open `/proc/self/fd/{n}`: Permission denied: OCI permission denied
podman | - | i | {sha}
podman | - | w | WARN[0000] The cgroupv2 manager is set to systemd but there is no systemd user session available
""",
)

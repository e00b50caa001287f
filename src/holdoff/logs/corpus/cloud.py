"""Cloud agents and operations tooling: cloud-init, AWS/GCP/Azure agents, log shippers, monitoring agents,
configuration management, certificates, time sync, backups, Consul."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "cloud",
    r"""
cloud-init | INFO | i | Cloud-init v. 23.{n}.{n} finished at {month}, {n} {month} 2024 {time} +0000. Datasource DataSourceEc2Local.  Up {float} seconds
cloud-init | WARNING | w | util.py[WARNING]: Failed to run bootcmd module bootcmd
cloud-init | WARNING | e | cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)
cloud-init | INFO | i | Cloud-init v. 23.{n}.{n} running 'modules:final' at {month}, {n} {month} 2024 {time} +0000. Up {float} seconds.
amazon-ssm-agent | INFO | w | [ssm-agent-worker] Entering SSM Agent hibernate - AccessDeniedException: User: arn:aws:sts::{big}:assumed-role/{svc}-role/{inst} is not authorized to perform: ssm:UpdateInstanceInformation
amazon-ssm-agent | ERROR | w | [MessageGatewayService] Failed to connect to MGS: dial tcp {ip}:443: i/o timeout
amazon-ssm-agent | INFO | i | [ssm-agent-worker] [HealthCheck] HealthCheck reporting agent health.
cloudwatch-agent | - | w | E! [outputs.cloudwatchlogs] Aborting putLogEvents with an unrecoverable error: RequestError: send request failed
cloudwatch-agent | - | i | I! Config has been translated into TOML /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.toml
cloudwatch-agent | - | w | E! [inputs.disk] Error in plugin: error getting disk usage info: permission denied
aws | - | e | EC2 instance {inst} is scheduled for retirement on {date} due to degraded hardware on the underlying host
aws | - | C | Instance {inst} status check failed: instance reachability check failed (impaired)
aws | - | C | EBS volume {vol} is impaired: I/O has been disabled because of potential data inconsistency
aws | - | e | AWS Health: Operational issue - Increased API error rates for EC2 in {region}
aws | - | w | Spot instance {inst} interruption notice: instance will be terminated at {date}T{time}Z
aws | - | i | Auto Scaling group {svc}-asg launched instance {inst} in response to a difference between desired and actual capacity
aws | - | e | Auto Scaling group {svc}-asg failed to launch instance: InsufficientInstanceCapacity in {region}a
aws | - | C | RDS instance {db}-prod: storage-full. The DB instance has reached its storage capacity and has been stopped
aws | - | w | RDS instance {db}-prod: Multi-AZ instance failover started
aws | - | i | RDS instance {db}-prod: Multi-AZ instance failover completed
aws | - | i | RDS instance {db}-prod: Backing up DB instance
aws | - | C | KMS key arn:aws:kms:{region}:{big}:key/{uuid} is pending deletion; decrypt calls from {svc} are failing
gce | - | w | google_guest_agent: Error running {svc}-startup: exit status 1
gce | - | w | Instance was preempted: compute.instances.preempted
gce | - | i | google_guest_agent: GCE Agent Started (version 20240{int}.00).
gce | - | i | Live migration of instance {host} completed.
azure | - | i | WALinuxAgent: ProcessExtensionsGoalState completed [incarnation_{n} {ms} ms]
azure | - | e | Azure VM {host} is being redeployed because of a host failure
azure | - | w | WALinuxAgent: Fetch goal state failed: [ProtocolError] GET vmSettings [correlation ID: {uuid}]: Request failed with the status code 502
datadog-agent | ERROR | w | CORE | ERROR | (pkg/forwarder/worker.go:{n} in process) | Too many errors for endpoint 'https://app.datadoghq.com/api/v1/series': retrying later
datadog-agent | WARN | w | CORE | WARN | (pkg/collector/python/datadog_agent.go:{n} in LogMessage) | postgres:{hex} | (postgres.py:{n}) | Unable to collect statistics
datadog-agent | INFO | i | CORE | INFO | (pkg/collector/worker/check_logger.go:{n} in CheckFinished) | check:disk | Done running check
fluent-bit | warn | w | [ warn] [engine] failed to flush chunk '{int}-{int}.{int}.flb', retry in {n} seconds: task_id={n}, input=tail.0 > output=es.0 (out_id=0)
fluent-bit | error | w | [error] [output:es:es.0] HTTP status=429 URI=/_bulk, response:\n{{"error":{{"type":"es_rejected_execution_exception"}}}}
fluent-bit | info | i | [ info] [engine] flush chunk '{int}-{int}.{int}.flb' succeeded at retry {n}: task_id={n}, input=tail.0 > output=es.0 (out_id=0)
fluent-bit | error | e | [error] [engine] chunk '{int}-{int}.{int}.flb' cannot be retried: task_id={n}, input=tail.0 > output=es.0
fluent-bit | info | i | [ info] [input:tail:tail.0] inotify_fs_add(): inode={int} watch_fd={n} name=/var/log/containers/{pod}_{ns}_{container}-{sha}.log
fluent-bit | warn | i | [ warn] [input:tail:tail.0] file=/var/log/containers/{pod}_{ns}_{container}-{sha}.log requires a larger buffer size, lines are too long. Skipping file.
vector | WARN | w | sink{{component_kind="sink" component_id=loki component_type=loki}}: vector::sinks::util::retries: Retrying after error. error=Server responded with an error: 429 Too Many Requests internal_log_rate_limit=true
vector | ERROR | e | sink{{component_kind="sink" component_id=s3 component_type=aws_s3}}: vector_common::internal_event::service: Service call failed. No retries or retries exhausted. error=Some(DispatchFailure) request_id={n} error_type="request_failed" stage="sending"
vector | INFO | i | vector: Vector has started. debug="false" version="0.3{n}.0" arch="x86_64"
telegraf | - | w | E! [outputs.influxdb] When writing to [http://{host}:8086]: failed doing req: Post "http://{host}:8086/write?db=telegraf": dial tcp {ip}:8086: connect: connection refused
telegraf | - | i | I! Loaded outputs: influxdb prometheus_client
node-exporter | - | i | level=info ts={date}T{time}Z caller=node_exporter.go:{n} msg="Listening on" address=[::]:9100
alertmanager | - | w | level=warn ts={date}T{time}Z caller=notify.go:{n} component=dispatcher receiver=slack integration=slack[0] msg="Notify attempt failed, will retry later" attempts={n} err="Post \"<redacted>\": context deadline exceeded"
alertmanager | - | e | level=error ts={date}T{time}Z caller=dispatch.go:{n} component=dispatcher msg="Notify for alerts failed" num_alerts={n} err="pagerduty/pagerduty[0]: notify retry canceled after {n} attempts: unexpected status code 400"
ansible | - | i | PLAY RECAP *********************************************************************\n{host}                     : ok={n}   changed={n}    unreachable=0    failed=0    skipped={n}    rescued=0    ignored=0
ansible | - | w | fatal: [{host}]: UNREACHABLE! => {{"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host {ip} port 22: Connection timed out", "unreachable": true}}
ansible | - | w | fatal: [{host}]: FAILED! => {{"changed": false, "msg": "No package matching '{word}-agent' is available"}}
ansible | - | i | TASK [{word} : Restart {svc}] ******************************************************
terraform | - | w | Error: Error acquiring the state lock\n\nError message: ConditionalCheckFailedException: The conditional request failed\nLock Info:\n  ID:        {uuid}
terraform | - | i | Apply complete! Resources: {n} added, {n} changed, 0 destroyed.
terraform | - | w | Error: creating EC2 Instance: UnauthorizedOperation: You are not authorized to perform this operation.
github-runner | - | i | Job {word}-build completed with result: Succeeded
github-runner | - | w | Job {word}-test completed with result: Failed
jenkins | - | w | Finished: FAILURE
jenkins | - | i | Finished: SUCCESS
jenkins | - | e | java.io.IOException: No space left on device\n\tat java.base/java.io.FileOutputStream.writeBytes(Native Method)\nBuild step 'Execute shell' marked build as failure
certbot | - | i | Certificate not yet due for renewal
certbot | - | i | Congratulations, all renewals succeeded: /etc/letsencrypt/live/{fqdn}/fullchain.pem (success)
certbot | - | e | Failed to renew certificate {fqdn} with error: Some challenges have failed.
certbot | - | C | The certificate for {fqdn} expired on {date}; renewal failed: Connection refused on port 80
tls-check | - | w | certificate for {fqdn} expires in {n} days ({date})
tls-check | - | C | certificate for {fqdn} has expired ({date}); clients fail with x509: certificate has expired
ntpd | - | w | time reset {float} s
ntpd | - | e | no servers can be used, system clock unsynchronized
ntpd | - | i | synchronized to {ip}, stratum 2
restic | - | i | snapshot {hex} saved
restic | - | e | Fatal: unable to open repository at s3:s3.amazonaws.com/{svc}-backups: Access Denied
restic | - | C | Fatal: repository contains errors: pack {sha} damaged, {n} blobs lost
borg | - | i | Archive {host}-{date} created, {size} deduplicated
borg | - | w | Failed to create/acquire the lock /srv/borg/{host}/lock.exclusive (timeout).
bacula | - | e | Fatal error: Backup of {host}-fd failed: Network error with FD during Backup: ERR=Connection reset by peer
consul | - | e | [WARN]  agent: Check is now critical: check={svc}-health
consul | - | i | [INFO]  agent: Synced check: check={svc}-health
consul | - | w | [WARN]  agent: Check socket connection failed: check={svc}-tcp error="dial tcp {ip}:{port}: connect: connection refused"
consul | - | w | [INFO]  consul: New leader elected: payload={host}
consul | - | C | [ERROR] raft: failed to contact quorum of nodes, stepping down
consul | - | w | [WARN]  raft: heartbeat timeout reached, starting election: last-leader-addr={ip}:8300 last-leader-id={uuid}
consul | - | e | [ERROR] agent.client: RPC failed to server: method=Catalog.Register server={ip}:8300 error="rpc error making call: No cluster leader"
grafana | - | w | logger=alerting.notifier.slack level=error msg="Failed to send Slack message" err="request to Slack API failed: 429"
grafana | - | i | logger=http.server level=info msg="HTTP Server Listen" address=[::]:3000 protocol=http
grafana | - | i | logger=context userId=0 orgId=0 uname= t={date}T{time}Z level=info msg="Request Completed" method=GET path=/api/live/ws status=401
grafana | - | w | logger=context userId=0 orgId=0 uname= level=warn msg="Failed to look up user based on cookie" error="user token not found"
loki | - | w | level=warn ts={date}T{time}Z caller=grpc_logging.go:{n} method=/logproto.Pusher/Push duration={dur} err="rpc error: code = Code(429) desc = entry with timestamp {date} {time} ignored, reason: 'entry too far behind'" msg=gRPC
loki | - | C | level=error ts={date}T{time}Z caller=flush.go:{n} org_id=fake msg="failed to flush" err="failed to flush chunks: store put chunk: write /loki/chunks/{hex}: no space left on device"
""",
)

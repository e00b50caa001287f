"""Message queues and coordination: Kafka, RabbitMQ, NATS, ActiveMQ, ZooKeeper, Celery brokers, SQS."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "queues",
    r"""
kafka | INFO | i | [Controller id={n}] Processing automatic preferred replica leader election (kafka.controller.KafkaController)
kafka | INFO | i | [LocalLog partition={topic}-{n}, dir=/data/kafka-logs] Rolled new log segment at offset {int} in {n} ms. (kafka.log.LocalLog)
kafka | INFO | i | [UnifiedLog partition={topic}-{n}, dir=/data/kafka-logs] Deleting segment LogSegment(baseOffset={int}, size={int}) due to retention time 604800000ms breach
kafka | INFO | w | [ReplicaFetcher replicaId={n}, leaderId={n}, fetcherId=0] Error sending fetch request (sessionId={int}, epoch={int}) to node {n}:\njava.io.IOException: Connection to {n} was disconnected before the response was read
kafka | INFO | w | [Partition {topic}-{n} broker={n}] Shrinking ISR from {n},{n},{n} to {n},{n}. Leader: (highWatermark: {int}, endOffset: {int}). Out of sync replicas: (brokerId: {n}, endOffset: {int}).
kafka | INFO | i | [Partition {topic}-{n} broker={n}] ISR updated to {n},{n},{n} and version updated to {n}
kafka | INFO | i | [GroupCoordinator {n}]: Preparing to rebalance group {svc} in state PreparingRebalance with old generation {n} (__consumer_offsets-{n}) (reason: Adding new member consumer-{svc}-{n}-{uuid} with group instance id None)
kafka | INFO | i | [GroupCoordinator {n}]: Stabilized group {svc} generation {n} (__consumer_offsets-{n}) with {n} members
kafka | WARN | w | [Consumer clientId=consumer-{svc}-{n}, groupId={svc}] consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms
kafka | ERROR | C | [Controller id={n} epoch={n}] Controller {n} epoch {n} failed to change state for partition {topic}-{n} from OfflinePartition to OnlinePartition\nkafka.common.StateChangeFailedException: Failed to elect leader for partition {topic}-{n} under strategy OfflinePartitionLeaderElectionStrategy
kafka | ERROR | C | Error while writing to checkpoint file /data/kafka-logs/{topic}-{n}/leader-epoch-checkpoint (kafka.server.LogDirFailureChannel)\njava.io.IOException: No space left on device
kafka | ERROR | C | Shutdown broker because all log dirs in /data/kafka-logs have failed (kafka.log.LogManager)
kafka | FATAL | C | [KafkaServer id={n}] Fatal error during KafkaServer startup. Prepare to shutdown (kafka.server.KafkaServer)\norg.apache.kafka.common.KafkaException: Failed to acquire lock on file .lock in /data/kafka-logs. A Kafka instance in another process or thread is using this directory.
kafka | ERROR | C | [Log partition={topic}-{n}, dir=/data/kafka-logs] Could not find offset index file corresponding to log file /data/kafka-logs/{topic}-{n}/{int}.log, recovering segment and rebuilding index files...\norg.apache.kafka.common.errors.CorruptRecordException: Record size is smaller than minimum record overhead
kafka | WARN | w | [Producer clientId=producer-{n}] Got error produce response with correlation id {int} on topic-partition {topic}-{n}, retrying ({n} attempts left). Error: NOT_LEADER_OR_FOLLOWER
kafka | WARN | i | [Producer clientId=producer-{n}] Received invalid metadata error in produce request on partition {topic}-{n} due to org.apache.kafka.common.errors.NotLeaderOrFollowerException. Going to request metadata update now
kafka | ERROR | e | [Producer clientId=producer-{n}] Expiring {n} record(s) for {topic}-{n}:{int} ms has passed since batch creation
kafka | ERROR | w | [Consumer clientId=consumer-{svc}-{n}, groupId={svc}] Offset commit failed on partition {topic}-{n} at offset {int}: The coordinator is not aware of this member.
kafka | INFO | i | [KafkaServer id={n}] started (kafka.server.KafkaServer)
kafka | INFO | i | [SocketServer listenerType=ZK_BROKER, nodeId={n}] Enabling request processing.
kafka | WARN | w | [SocketServer listenerType=ZK_BROKER, nodeId={n}] Unexpected error from /{ip} (channelId={ip}:9092-{ip}:{port}-{n}); closing connection\norg.apache.kafka.common.network.InvalidReceiveException: Invalid receive (size = 1195725856 larger than 104857600)
kafka | INFO | i | [SocketServer listenerType=ZK_BROKER, nodeId={n}] Failed authentication with /{ip} (channelId={ip}:9093-{ip}:{port}-{n}) (SSL handshake failed)
kafka | WARN | e | [Controller id={n}, targetBrokerId={n}] Connection to node {n} ({host}/{ip}:9092) could not be established. Broker may not be available.
kafka | ERROR | C | [KafkaApi-{n}] Number of alive brokers '{n}' does not meet the required replication factor '3' for the offsets topic (configured via 'offsets.topic.replication.factor'). This error can be ignored if the cluster is starting up and not all brokers are up yet.
kafka | WARN | w | [RaftManager id={n}] Vote request failed: REQUEST_TIMED_OUT, will retry
kafka | ERROR | C | Under min ISR: partition {topic}-{n} has {n} in-sync replicas, below min.insync.replicas=2; producers with acks=all are rejected (NOT_ENOUGH_REPLICAS)
kafka-connect | ERROR | e | WorkerSinkTask{{id={word}-sink-{n}}} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted
kafka-connect | INFO | i | WorkerSourceTask{{id={word}-source-0}} Committing offsets for {int} acknowledged messages
rabbitmq | info | i | accepting AMQP connection <0.{int}.0> ({ip}:{port} -> {ip}:5672)
rabbitmq | info | i | connection <0.{int}.0> ({ip}:{port} -> {ip}:5672): user '{user}' authenticated and granted access to vhost '/'
rabbitmq | warning | i | closing AMQP connection <0.{int}.0> ({ip}:{port} -> {ip}:5672, vhost: '/', user: '{user}'):\nclient unexpectedly closed TCP connection
rabbitmq | error | w | closing AMQP connection <0.{int}.0> ({ip}:{port} -> {ip}:5672):\nmissed heartbeats from client, timeout: 60s
rabbitmq | warning | C | memory resource limit alarm set on node rabbit@{host}.\n\n**********************************************************\n*** Publishers will be blocked until this alarm clears ***\n**********************************************************
rabbitmq | warning | C | disk resource limit alarm set on node rabbit@{host}.\n\n**********************************************************\n*** Publishers will be blocked until this alarm clears ***
rabbitmq | info | i | memory resource limit alarm cleared on node rabbit@{host}
rabbitmq | info | i | disk resource limit alarm cleared on node rabbit@{host}
rabbitmq | warning | w | Mirrored queue '{word}' in vhost '/': Replica <rabbit@{host}.{int}.{int}.0> saw deaths of mirrors <rabbit@{host}.{int}.{int}.0>
rabbitmq | error | C | Partial partition detected:\n * We saw DOWN from rabbit@{host}\n * We can still see rabbit@{host} which can see rabbit@{host}\nWe will therefore intentionally disconnect from rabbit@{host}
rabbitmq | error | C | Mnesia(rabbit@{host}): ** ERROR ** mnesia_event got {{inconsistent_database, running_partitioned_network, rabbit@{host}}}
rabbitmq | warning | w | HTTP access denied: user '{user}' - invalid credentials
rabbitmq | error | w | Error on AMQP connection <0.{int}.0> ({ip}:{port} -> {ip}:5672, state: starting):\nPLAIN login refused: user '{user}' - invalid credentials
rabbitmq | error | w | Channel error on connection <0.{int}.0> ({ip}:{port} -> {ip}:5672, vhost: '/', user: '{user}'), channel 1:\noperation basic.publish caused a channel exception not_found: no exchange '{word}' in vhost '/'
rabbitmq | info | i | Connection <0.{int}.0> ({ip}:{port} -> {ip}:5672) has a client-provided name: {svc}
rabbitmq | info | i | Server startup complete; {n} plugins started.
rabbitmq | error | e | Queue '{word}' in vhost '/' has no running replicas; the queue is unavailable to publishers and consumers
rabbitmq | warning | w | Queue '{word}' in vhost '/': consumer_timeout of 1800000 ms reached, closing channel
rabbitmq | error | C | ** Generic server rabbit_disk_monitor terminating\n** Reason for termination ==\n** {{eacces,[{{erlang,open_port}}]}}
nats | - | w | [ERR] {ip}:{port} - cid:{int} - Slow Consumer Detected: WriteDeadline of 10s exceeded with {n} chunks of {int} total bytes.
nats | - | i | [INF] Server is ready
nats | - | i | [INF] {ip}:{port} - rid:{n} - Route connection created
nats | - | e | [WRN] JetStream resource limits exceeded for server
nats | - | e | [ERR] JetStream out of resources, will be DISABLED
nats | - | i | [INF] JetStream cluster new stream leader for '$G > {word}'
activemq | WARN | C | Usage(default:store:queue://{word}:store) percentUsage=100%, usage={int}, limit={int}: Persistent store is Full, 100% of {int}. Stopping producer (ID:{host}-{int}-{big}-1:1:1:1) to prevent flooding queue://{word}.
activemq | INFO | i | Apache ActiveMQ {version} (localhost, ID:{host}-{int}-{big}-0:1) started
activemq | WARN | w | Transport Connection to: tcp://{ip}:{port} failed: java.io.EOFException
sqs-worker | INFO | i | Received {n} messages from queue {svc}-jobs
sqs-worker | WARN | w | Message {uuid} visibility timeout expired, will be redelivered (receive count {n})
sqs-worker | ERROR | e | Message {uuid} moved to dead-letter queue {svc}-jobs-dlq after {n} receives
celery | INFO | i | Task {word}.tasks.send_email[{uuid}] received
celery | INFO | i | Task {word}.tasks.send_email[{uuid}] succeeded in {float}s: None
celery | INFO | w | Task {word}.tasks.sync_{word}[{uuid}] retry: Retry in 60s: TimeoutError()
celery | ERROR | e | Task {word}.tasks.charge_card[{uuid}] raised unexpected: ConnectionError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))
celery | ERROR | e | consumer: Cannot connect to amqp://guest:**@{host}:5672//: [Errno 111] Connection refused.\nTrying again in {n}.00 seconds... ({n}/100)
celery | INFO | i | Connected to redis://{host}:6379/0
celery | WARNING | w | Substantial drift from celery@{host} may mean clocks are out of sync.  Current drift is {n} seconds.
celery | CRITICAL | e | Unrecoverable error: WorkerLostError('Worker exited prematurely: signal 9 (SIGKILL) Job: {n}.')
""",
)

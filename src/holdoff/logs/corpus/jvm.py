"""JVM software: Spring Boot, Tomcat, Hibernate/HikariCP, Hadoop (HDFS, YARN, MapReduce), Spark, ZooKeeper."""

from holdoff.logs.corpus.table import read

TEMPLATES = read(
    "jvm",
    r"""
spring | INFO | i | [main] c.a.{word}.{word}Application : Started {word}Application in {float} seconds (process running for {float})
spring | INFO | i | [main] o.s.b.w.embedded.tomcat.TomcatWebServer : Tomcat started on port 8080 (http) with context path ''
spring | INFO | i | [main] com.zaxxer.hikari.HikariDataSource : HikariPool-1 - Start completed.
spring | WARN | e | [http-nio-8080-exec-{n}] o.h.engine.jdbc.spi.SqlExceptionHelper : SQL Error: 0, SQLState: null\nHikariPool-1 - Connection is not available, request timed out after 30000ms (total={n}, active={n}, idle=0, waiting={n})
spring | WARN | w | [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.PoolBase : HikariPool-1 - Failed to validate connection org.postgresql.jdbc.PgConnection@{hex} (This connection has been closed.). Possibly consider using a shorter maxLifetime value.
spring | WARN | w | [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={dur}).
spring | ERROR | e | [http-nio-8080-exec-{n}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: java.lang.NullPointerException: Cannot invoke "{class}.getId()" because "order" is null] with root cause
spring | ERROR | e | [http-nio-8080-exec-{n}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() for servlet [dispatcherServlet] threw exception\njava.lang.IllegalStateException: Payment gateway returned status 500\n\tat {class}.charge({word}Service.java:{n})\n\tat {class}.checkout({word}Controller.java:{n})\n\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
spring | WARN | i | [http-nio-8080-exec-{n}] .w.s.m.s.DefaultHandlerExceptionResolver : Resolved [org.springframework.web.HttpRequestMethodNotSupportedException: Request method 'GET' is not supported]
spring | WARN | i | [http-nio-8080-exec-{n}] .w.s.m.s.DefaultHandlerExceptionResolver : Resolved [org.springframework.web.bind.MethodArgumentNotValidException: Validation failed for argument [0] in public {class}.create(): [Field error in object 'request' on field 'email': rejected value [{word}]]]
spring | WARN | i | [http-nio-8080-exec-{n}] o.s.web.servlet.PageNotFound : No mapping for GET {url}
spring | ERROR | i | [http-nio-8080-exec-{n}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception\norg.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:{n})
spring | WARN | i | [http-nio-8080-exec-{n}] .m.m.a.ExceptionHandlerExceptionResolver : Failure in @ExceptionHandler {class}#handle(Exception)\norg.apache.catalina.connector.ClientAbortException: java.io.IOException: Connection reset by peer
spring | ERROR | C | [main] o.s.boot.SpringApplication : Application run failed\norg.springframework.beans.factory.BeanCreationException: Error creating bean with name 'entityManagerFactory': Invocation of init method failed\nCaused by: org.hibernate.service.spi.ServiceException: Unable to create requested service [org.hibernate.engine.jdbc.env.spi.JdbcEnvironment]
spring | ERROR | C | [main] o.s.b.d.LoggingFailureAnalysisReporter : \n\n***************************\nAPPLICATION FAILED TO START\n***************************\n\nDescription:\n\nWeb server failed to start. Port 8080 was already in use.
spring | ERROR | C | [main] o.s.boot.SpringApplication : Application run failed\njava.lang.IllegalStateException: Failed to execute CommandLineRunner\nCaused by: liquibase.exception.ValidationFailedException: Validation Failed:\n     1 changesets check sum
spring | ERROR | C | [http-nio-8080-exec-{n}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Handler dispatch failed: java.lang.OutOfMemoryError: Java heap space
spring | ERROR | C | Exception in thread "{word}-worker-{n}" java.lang.OutOfMemoryError: Java heap space
spring | ERROR | C | [scheduling-1] o.s.s.s.TaskUtils$LoggingErrorHandler : Unexpected error occurred in scheduled task\njava.lang.OutOfMemoryError: GC overhead limit exceeded
spring | - | C | Terminating due to java.lang.OutOfMemoryError: Java heap space
spring | - | C | Exception in thread "main" java.lang.OutOfMemoryError: Metaspace
spring | - | C | #\n# A fatal error has been detected by the Java Runtime Environment:\n#\n#  SIGSEGV (0xb) at pc={addr}, pid={pid}, tid={int}\n#\n# JRE version: OpenJDK Runtime Environment (17.0.{n}+7) (build 17.0.{n}+7)\n# Problematic frame:\n# C  [libc.so.6+0x{hex}]
spring | - | C | #\n# There is insufficient memory for the Java Runtime Environment to continue.\n# Native memory allocation (mmap) failed to map {int} bytes for committing reserved memory.
spring | ERROR | e | [lettuce-nioEventLoop-4-{n}] o.s.d.r.c.RedisConnectionFactory : Unable to connect to Redis; nested exception is io.lettuce.core.RedisConnectionException: Unable to connect to {host}:6379
spring | WARN | w | [{word}-client-{n}] c.a.{word}.RetryingClient : Retrying request after failure (attempt {n} of 3): Read timed out
spring | INFO | i | [{word}-client-{n}] c.a.{word}.RetryingClient : Request to {svc} succeeded after {n} retries
spring | WARN | e | [{word}-client-{n}] i.g.r.c.i.CircuitBreakerStateMachine : Circuit breaker '{svc}' changed state from CLOSED to OPEN
spring | INFO | i | [{word}-client-{n}] i.g.r.c.i.CircuitBreakerStateMachine : Circuit breaker '{svc}' changed state from HALF_OPEN to CLOSED
spring | INFO | i | [scheduling-1] c.a.{word}.jobs.{word}Job : Scheduled task {word}Job completed in {ms} ms
spring | ERROR | e | [http-nio-8080-exec-{n}] o.h.engine.jdbc.spi.SqlExceptionHelper : Could not open JPA EntityManager for transaction; nested exception is org.hibernate.exception.JDBCConnectionException: Unable to acquire JDBC Connection
spring | WARN | w | [http-nio-8080-exec-{n}] o.h.engine.jdbc.spi.SqlExceptionHelper : SQL Error: 1213, SQLState: 40001\nDeadlock found when trying to get lock; try restarting transaction
spring | WARN | w | [http-nio-8080-exec-{n}] c.a.{word}.security.JwtFilter : Invalid JWT signature: JWT signature does not match locally computed signature.
spring | DEBUG | d | [http-nio-8080-exec-{n}] o.s.web.servlet.DispatcherServlet : Completed 200 OK
spring | DEBUG | d | [main] o.s.b.a.l.ConditionEvaluationReportLogger : \n\n============================\nCONDITIONS EVALUATION REPORT\n============================
spring | TRACE | d | [http-nio-8080-exec-{n}] o.s.w.s.m.m.a.RequestMappingHandlerMapping : Mapped to {class}#get(Long)
spring | INFO | i | [main] o.s.c.s.PostProcessorRegistrationDelegate : Bean 'org.springframework.ws.config.annotation.DelegatingWsConfiguration' is not eligible for getting processed by all BeanPostProcessors
spring | WARN | i | [main] JpaBaseConfiguration$JpaWebConfiguration : spring.jpa.open-in-view is enabled by default. Therefore, database queries may be performed during view rendering.
spring | ERROR | C | [{word}-writer-{n}] c.a.{word}.ledger.LedgerWriter : Data corruption detected: ledger balance mismatch for account {int} (expected {float}, found {float}); writes halted
spring | ERROR | e | [kafka-producer-network-thread | producer-1] o.a.k.clients.producer.internals.Sender : [Producer clientId=producer-1] Error while fetching metadata with correlation id {n} : {{{topic}=LEADER_NOT_AVAILABLE}}
tomcat | INFO | i | org.apache.catalina.startup.Catalina.start Server startup in [{int}] milliseconds
tomcat | INFO | i | org.apache.catalina.startup.HostConfig.deployWAR Deploying web application archive [/opt/tomcat/webapps/{word}.war]
tomcat | WARNING | w | org.apache.catalina.loader.WebappClassLoaderBase.clearReferencesThreads The web application [{word}] appears to have started a thread named [{word}-pool-1-thread-1] but has failed to stop it. This is very likely to create a memory leak.
tomcat | SEVERE | C | org.apache.catalina.core.StandardContext.startInternal One or more listeners failed to start. Full details will be found in the appropriate container log file
tomcat | SEVERE | C | org.apache.catalina.core.StandardContext.startInternal Context [/{word}] startup failed due to previous errors
tomcat | INFO | i | org.apache.coyote.http11.Http11Processor.service Error parsing HTTP request header\n Note: further occurrences of HTTP request parsing errors will be logged at DEBUG level.\n\tjava.lang.IllegalArgumentException: Invalid character found in method name [0x160x030x010x020x00...]. HTTP method names must be tokens
tomcat | SEVERE | i | org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() for servlet [jsp] in context with path [] threw exception\njava.io.IOException: Broken pipe
tomcat | WARNING | w | org.apache.catalina.webresources.Cache.getResource Unable to add the resource at [/WEB-INF/lib/{word}.jar] to the cache for web application [/{word}] because there was insufficient free space available after evicting expired cache entries
tomcat | SEVERE | C | org.apache.catalina.core.StandardService.initInternal Failed to initialize connector [Connector[HTTP/1.1-8080]]\norg.apache.catalina.LifecycleException: Protocol handler initialization failed\nCaused by: java.net.BindException: Address already in use
tomcat | INFO | w | org.apache.tomcat.util.threads.ThreadPoolExecutor Maximum number of threads (200) created for connector [http-nio-8080]
tomcat | INFO | i | org.apache.catalina.core.StandardService.stopInternal Stopping service [Catalina]
hdfs | INFO | i | org.apache.hadoop.hdfs.server.datanode.DataNode: Receiving BP-{int}-{ip}-{big}:blk_{big}_{int} src: /{ip}:{port} dest: /{ip}:9866
hdfs | INFO | i | org.apache.hadoop.hdfs.server.datanode.DataNode: PacketResponder: BP-{int}-{ip}-{big}:blk_{big}_{int}, type=LAST_IN_PIPELINE terminating
hdfs | INFO | i | org.apache.hadoop.hdfs.StateChange: BLOCK* allocate blk_{big}_{int}, replicas={ip}:9866, {ip}:9866 for /user/{user}/{word}/part-{int}
hdfs | INFO | i | org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace: src: /{ip}:{port}, dest: /{ip}:9866, bytes: {int}, op: HDFS_WRITE, cliID: DFSClient_NONMAPREDUCE_{int}_1, duration(ns): {int}
hdfs | WARN | w | org.apache.hadoop.hdfs.server.datanode.DataNode: {host}:9866:DataXceiver error processing WRITE_BLOCK operation  src: /{ip}:{port} dst: /{ip}:9866\njava.io.IOException: Premature EOF from inputStream
hdfs | ERROR | w | org.apache.hadoop.hdfs.server.datanode.DataNode: {host}:9866:DataXceiver error processing READ_BLOCK operation  src: /{ip}:{port} dst: /{ip}:9866\njava.net.SocketTimeoutException: 480000 millis timeout while waiting for channel to be ready for write.
hdfs | WARN | w | org.apache.hadoop.hdfs.DFSClient: Slow ReadProcessor read fields for block BP-{int}-{ip}-{big}:blk_{big}_{int} took {ms}ms (threshold=30000ms)
hdfs | ERROR | C | org.apache.hadoop.hdfs.server.datanode.DataNode: Exception in secureMain\norg.apache.hadoop.util.DiskChecker$DiskErrorException: Too many failed volumes - current valid volumes: {n}, volumes configured: {n}, volumes failed: {n}, volume failures tolerated: 0
hdfs | WARN | e | org.apache.hadoop.hdfs.server.datanode.fsdataset.impl.FsDatasetImpl: Removing failed volume /data/{n}/dfs/dn
hdfs | ERROR | C | org.apache.hadoop.hdfs.server.namenode.NameNode: Failed to start namenode.\njava.io.IOException: NameNode is not formatted.
hdfs | FATAL | C | org.apache.hadoop.hdfs.server.namenode.FSEditLog: Error: flush failed for required journal (JournalAndStream(mgr=QJM to [{ip}:8485, {ip}:8485, {ip}:8485], stream=QuorumOutputStream starting at txid {int}))
hdfs | INFO | w | org.apache.hadoop.hdfs.server.namenode.FSNamesystem: Safe mode is ON. The reported blocks {int} needs additional {int} blocks to reach the threshold 0.9990 of total blocks {int}.
hdfs | WARN | e | BlockStateChange: BLOCK* NameSystem.addToCorruptReplicasMap: blk_{big} added as corrupt on {ip}:9866 by {host}/{ip} because reported RBW replica with genstamp {int} does not match COMPLETE block's genstamp in block map {int}
hdfs | WARN | C | org.apache.hadoop.hdfs.server.namenode.NameNode: There are {n} missing blocks. The following files may be corrupted:\nblk_{big} /user/{user}/{word}/part-{int}
hdfs | INFO | w | org.apache.hadoop.ipc.Server: IPC Server handler {n} on 8020, call Call#{int} Retry#0 org.apache.hadoop.hdfs.protocol.ClientProtocol.addBlock from {ip}:{port}: org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException: No lease on /tmp/{word}/{hex} (inode {int})
hdfs | INFO | w | org.apache.hadoop.ha.ZKFailoverController: Trying to make NameNode at {host}/{ip}:8020 active...
hdfs | INFO | w | org.apache.hadoop.ha.ZKFailoverController: Successfully transitioned NameNode at {host}/{ip}:8020 to active state
hdfs | WARN | C | org.apache.hadoop.ha.NodeFencer: Fencing method org.apache.hadoop.ha.SshFenceByTcpPort(null) was unsuccessful.\nERROR org.apache.hadoop.ha.NodeFencer: Unable to fence service by any configured method.
hdfs | INFO | i | org.apache.hadoop.hdfs.server.namenode.FSNamesystem: Roll Edit Log from {ip}
yarn | INFO | i | org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: Assigned container container_{big}_{int}_01_{int} to attempt_{big}_{int}_m_{int}_0
yarn | INFO | i | org.apache.hadoop.yarn.server.nodemanager.containermanager.container.ContainerImpl: Container container_{big}_{int}_01_{int} transitioned from RUNNING to EXITED_WITH_SUCCESS
yarn | WARN | w | org.apache.hadoop.yarn.server.nodemanager.containermanager.monitor.ContainersMonitorImpl: Container [pid={pid},containerID=container_{big}_{int}_01_{int}] is running {int}B beyond the 'PHYSICAL' memory limit. Current usage: {float} GB of {n} GB physical memory used; Killing container.
yarn | ERROR | C | org.apache.hadoop.yarn.server.nodemanager.LocalDirsHandlerService: Most of the disks failed. 1/1 local-dirs usable space is below configured utilization percentage/no more usable space [ /data/yarn/local : used space above threshold of 90.0% ]
yarn | INFO | i | org.apache.hadoop.mapreduce.Job:  map {pct}% reduce {pct}%
yarn | INFO | i | org.apache.hadoop.mapreduce.Job: Job job_{big}_{int} completed successfully
yarn | INFO | w | org.apache.hadoop.mapreduce.v2.app.job.impl.TaskAttemptImpl: Diagnostics report from attempt_{big}_{int}_m_{int}_0: Error: java.io.IOException: Connection reset by peer
yarn | FATAL | C | org.apache.hadoop.yarn.server.resourcemanager.ResourceManager: Received RMFatalEvent of type STATE_STORE_FENCED, caused by org.apache.zookeeper.KeeperException$NoAuthException: KeeperErrorCode = NoAuth
yarn | INFO | e | org.apache.hadoop.yarn.util.AbstractLivelinessMonitor: Expired:{host}:{port} Timed out after 600 secs
spark | INFO | i | SparkContext: Running Spark version 3.{n}.{n}
spark | INFO | i | DAGScheduler: Job {n} finished: collect at {word}.scala:{n}, took {float} s
spark | INFO | i | TaskSetManager: Finished task {n}.0 in stage {n}.0 (TID {int}) in {ms} ms on {ip} (executor {n}) ({n}/{int})
spark | WARN | w | TaskSetManager: Lost task {n}.0 in stage {n}.0 (TID {int}) ({ip} executor {n}): java.io.IOException: Failed to connect to {host}/{ip}:{port}
spark | ERROR | e | YarnScheduler: Lost executor {n} on {host}: Container killed by YARN for exceeding physical memory limits. {float} GB of {n} GB physical memory used. Consider boosting spark.executor.memoryOverhead.
spark | ERROR | e | TaskSetManager: Task {n} in stage {n}.0 failed 4 times; aborting job
spark | ERROR | e | SparkContext: Error initializing SparkContext.\norg.apache.spark.SparkException: A master URL must be set in your configuration
spark | WARN | i | NativeCodeLoader: Unable to load native-hadoop library for your platform... using builtin-java classes where applicable
spark | INFO | i | BlockManagerInfo: Added broadcast_{n}_piece0 in memory on {ip}:{port} (size: {float} KiB, free: {float} MiB)
spark | ERROR | w | Executor: Exception in task {n}.0 in stage {n}.0 (TID {int})\njava.lang.ArithmeticException: / by zero
spark | ERROR | e | FileFormatWriter: Aborting job {uuid}.
spark | WARN | w | HeartbeatReceiver: Removing executor {n} with no recent heartbeats: {int} ms exceeds timeout 120000 ms
spark | ERROR | e | SparkUncaughtExceptionHandler: Uncaught exception in thread Thread[Executor task launch worker for task {n}.0 in stage {n}.0 (TID {int}),5,main]\njava.lang.OutOfMemoryError: Java heap space
spark | WARN | i | package: Truncated the string representation of a plan since it was too large. This behavior can be adjusted by setting 'spark.sql.debug.maxToStringFields'.
zookeeper | INFO | i | [NIOServerCxnFactory.AcceptThread:0.0.0.0/0.0.0.0:2181:NIOServerCnxnFactory$AcceptThread@{n}] - Accepted socket connection from /{ip}:{port}
zookeeper | WARN | i | [NIOWorkerThread-{n}:NIOServerCnxn@{n}] - Unable to read additional data from client sessionid 0x{hex}, likely client has closed socket
zookeeper | INFO | i | [SessionTracker:ZooKeeperServer@{n}] - Expiring session 0x{hex}, timeout of 30000ms exceeded
zookeeper | WARN | e | [QuorumPeer[myid={n}](plain=0.0.0.0:2181)(secure=disabled):Follower@{n}] - Exception when following the leader\njava.net.SocketTimeoutException: Read timed out
zookeeper | INFO | w | [QuorumPeer[myid={n}](plain=0.0.0.0:2181)(secure=disabled):QuorumPeer@{n}] - LOOKING
zookeeper | INFO | i | [QuorumPeer[myid={n}](plain=0.0.0.0:2181)(secure=disabled):QuorumPeer@{n}] - FOLLOWING
zookeeper | INFO | i | [QuorumPeer[myid={n}](plain=0.0.0.0:2181)(secure=disabled):Leader@{n}] - LEADING - LEADER ELECTION TOOK - {n} MS
zookeeper | WARN | i | [SendWorker:{n}:QuorumCnxManager$SendWorker@{n}] - Interrupted while waiting for message on queue
zookeeper | ERROR | C | [main:QuorumPeer@{n}] - Unable to load database on disk\njava.io.IOException: The accepted epoch, {n} is less than the current epoch, {n}
zookeeper | WARN | w | [SyncThread:{n}:FileTxnLog@{n}] - fsync-ing the write ahead log in SyncThread:{n} took {ms}ms which will adversely effect operation latency.File size is {int} bytes. See the ZooKeeper troubleshooting guide
zookeeper | WARN | w | [QuorumConnectionThread-[myid={n}]-{n}:QuorumCnxManager@{n}] - Cannot open channel to {n} at election address /{ip}:3888\njava.net.ConnectException: Connection refused
zookeeper | ERROR | C | [main:ZooKeeperServerMain@{n}] - Unexpected exception, exiting abnormally\njava.io.IOException: No snapshot found, but there are log entries. Something is broken!
zookeeper | ERROR | C | [QuorumPeer[myid={n}]:QuorumPeer@{n}] - Severe unrecoverable error, exiting
zookeeper | INFO | i | [main-SendThread({host}:2181):ClientCnxn$SendThread@{n}] - Session establishment complete on server {host}/{ip}:2181, session id = 0x{hex}, negotiated timeout = 40000
zookeeper | WARN | w | [main-SendThread({host}:2181):ClientCnxn$SendThread@{n}] - Session 0x{hex} for server {host}/{ip}:2181, Closing socket connection. Attempting reconnect except it is a SessionExpiredException.
""",
)

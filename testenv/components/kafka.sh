# shellcheck shell=bash
# Kafka: one node in KRaft mode (broker and controller in one JVM) from the jars Apache publishes on
# Maven Central (org.apache.kafka:kafka_$KAFKA_SCALA at $KAFKA_VERSION and its runtime dependencies,
# plus a Log4j 2 backend for its SLF4J logging), resolved by Maven into
# $SHOPMESH_CACHE/kafka/$KAFKA_VERSION/lib and started with `java -cp 'lib/*' kafka.Kafka`.
# The storage directory is formatted once (a standalone dynamic controller quorum); topics are
# created on first use, and the internal topics have one replica.

KAFKA_CACHE="$SHOPMESH_CACHE/kafka/$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_CACHE/lib"
KAFKA_HOME="$DATA_DIR/kafka"
KAFKA_LOG_DIRS="$KAFKA_HOME/data"
KAFKA_CONFIG="$KAFKA_HOME/server.properties"
KAFKA_LOG4J_CONFIG="$KAFKA_HOME/log4j2.properties"
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}

# Debian's Java 17 (Kafka 4 needs 17 or newer), not whatever JAVA_HOME names; SHOPMESH_JAVA
# overrides it.
kafka_java() {
  local java
  for java in "${SHOPMESH_JAVA:-}" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [[ -n $java && -x $java ]] && { echo "$java"; return 0; }
  done
  command -v java
}

kafka_pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by testenv/components/kafka.sh: only resolves the broker's runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>shopmesh.testenv</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$KAFKA_SCALA</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- Kafka logs through SLF4J 1.7; its distribution binds it to Log4j 2 like this. -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$KAFKA_LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$KAFKA_LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

# kafka_install: resolves the jars once per version (and again if the pom above changes).
kafka_install() {
  apt_ensure openjdk-17-jre-headless || die kafka "cannot install openjdk-17-jre-headless"
  local stamp
  stamp=$(kafka_pom | sha256sum | cut -c1-16)
  [[ -f $KAFKA_CACHE/.complete && $(<"$KAFKA_CACHE/.complete") == "$stamp" ]] && return 0

  apt_ensure maven || die kafka "cannot install maven"
  log "kafka: resolving kafka_$KAFKA_SCALA $KAFKA_VERSION and its dependencies from Maven Central"
  mkdir -p "$KAFKA_CACHE"
  kafka_pom >"$KAFKA_CACHE/pom.xml"
  rm -rf "$KAFKA_CACHE/lib.tmp"
  # One Maven at a time: the local repository is shared with the other components.
  (
    flock 9
    mvn -B -q -Dstyle.color=never -f "$KAFKA_CACHE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_CACHE/lib.tmp"
  ) 9>"$SHOPMESH_CACHE/.maven.lock" >>"$LOG_DIR/kafka.log" 2>&1 \
    || die kafka "mvn dependency:copy-dependencies failed for kafka_$KAFKA_SCALA:$KAFKA_VERSION"
  [[ -f $KAFKA_CACHE/lib.tmp/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar ]] \
    || die kafka "kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar not among the resolved jars"
  rm -rf "$KAFKA_LIB"
  mv "$KAFKA_CACHE/lib.tmp" "$KAFKA_LIB"
  echo "$stamp" >"$KAFKA_CACHE/.complete"
}

kafka_write_config() {
  mkdir -p "$KAFKA_LOG_DIRS"
  cat >"$KAFKA_CONFIG.tmp" <<EOF
# written by testenv/components/kafka.sh
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$PORT_KAFKA_CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT_KAFKA,CONTROLLER://127.0.0.1:$PORT_KAFKA_CONTROLLER
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT_KAFKA,CONTROLLER://127.0.0.1:$PORT_KAFKA_CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_LOG_DIRS

auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Small and short-lived: a test environment, not a store.
log.segment.bytes=8388608
log.retention.hours=24
log.retention.check.interval.ms=60000
log.cleaner.dedupe.buffer.size=8388608
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
EOF
  mv "$KAFKA_CONFIG.tmp" "$KAFKA_CONFIG"

  cat >"$KAFKA_LOG4J_CONFIG" <<'EOF'
# written by testenv/components/kafka.sh: everything to standard output (the component's log)
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
logger.raft.name = org.apache.kafka.raft
logger.raft.level = warn
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
EOF
}

# kafka_jvm_command: sets KAFKA_JVM to the java command line before the main class.
kafka_jvm_command() {
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  KAFKA_JVM=("$(kafka_java)" "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:MaxDirectMemorySize=128m -Xss512k
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_LOG4J_CONFIG"
    -Dkafka.logs.dir="$KAFKA_HOME" -cp "$KAFKA_LIB/*")
}

# kafka_format: formats the storage once; a formatted directory keeps its cluster id.
kafka_format() {
  [[ -f $KAFKA_LOG_DIRS/meta.properties ]] && return 0
  local cluster_id
  # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding.
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  log "kafka: formatting $KAFKA_LOG_DIRS (cluster id $cluster_id)"
  printf '\n=== %s format storage\n' "$(date -Is)" >>"$LOG_DIR/kafka.log"
  "${KAFKA_JVM[@]}" kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$KAFKA_CONFIG" \
    --standalone >>"$LOG_DIR/kafka.log" 2>&1 || die kafka "formatting $KAFKA_LOG_DIRS failed"
}

kafka_start() {
  kafka_jvm_command
  if ! pid_of kafka >/dev/null; then
    kafka_write_config
    kafka_format
  fi
  start_daemon kafka "kafka.Kafka $KAFKA_CONFIG" "${KAFKA_JVM[@]}" kafka.Kafka "$KAFKA_CONFIG"
  wait_until kafka 120 kafka_check
  env_fragment kafka "KAFKA_BROKERS=$(kafka_address)"
}

kafka_stop() { stop_daemon kafka; }
kafka_address() { echo "127.0.0.1:$PORT_KAFKA"; }

# kafka_check: the broker answers a Kafka ApiVersions request (v0, correlation id 1) with
# error code 0; it only accepts requests once it has registered with its controller.
kafka_check() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT_KAFKA" || exit 1
    # size 10 | api key 18 | api version 0 | correlation id 1 | client id null
    printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff' >&3
    reply=$(timeout 3 head -c 10 <&3 | od -An -tx1 | tr -d ' \n')
    # size (any) | correlation id 1 | error code 0
    [[ ${reply:8:12} == 000000010000 ]]
  ) 2>/dev/null
}

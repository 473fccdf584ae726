# shellcheck shell=bash
# ZooKeeper from Debian (package zookeeper, 3.8 on bookworm): one standalone server on loopback,
# run in the foreground from the Debian jars (zookeeper.jar's manifest names its dependencies),
# logging through slf4j-simple to $LOG_DIR/zookeeper.log. The four-letter words ruok, srvr, stat,
# mntr and conf are allowed (ruok is the health check); the admin server listens on loopback too.

ZOOKEEPER_HOME="$DATA_DIR/zookeeper"
ZOOKEEPER_CONFIG="$ZOOKEEPER_HOME/zoo.cfg"
# servlet-api.jar (libservlet-api-java, a dependency of Debian's Jetty) is missing from
# zookeeper.jar's manifest and the admin server needs it.
ZOOKEEPER_JARS=/usr/share/java/zookeeper.jar:/usr/share/java/servlet-api.jar:/usr/share/java/slf4j-simple.jar

# Debian's Java 17 (what the Debian jars are built for), not whatever JAVA_HOME names;
# SHOPMESH_JAVA overrides it.
zookeeper_java() {
  local java
  for java in "${SHOPMESH_JAVA:-}" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [[ -n $java && -x $java ]] && { echo "$java"; return 0; }
  done
  command -v java
}

zookeeper_install() {
  apt_ensure zookeeper || die zookeeper "cannot install the Debian package zookeeper"
  local jar
  for jar in ${ZOOKEEPER_JARS//:/ }; do
    [[ -f $jar ]] || die zookeeper "$jar missing (Debian packages zookeeper, libservlet-api-java, libslf4j-java)"
  done
}

zookeeper_start() {
  mkdir -p "$ZOOKEEPER_HOME/data"
  cat >"$ZOOKEEPER_CONFIG.tmp" <<EOF
# written by testenv/components/zookeeper.sh
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$ZOOKEEPER_HOME/data
clientPortAddress=127.0.0.1
clientPort=$PORT_ZOOKEEPER
maxClientCnxns=0
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
EOF
  mv "$ZOOKEEPER_CONFIG.tmp" "$ZOOKEEPER_CONFIG"
  start_daemon zookeeper "ZooKeeperServerMain $ZOOKEEPER_CONFIG" \
    "$(zookeeper_java)" -Xms32m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k \
    -Djava.awt.headless=true \
    -Dzookeeper.4lw.commands.whitelist=ruok,srvr,stat,mntr,conf \
    -Dzookeeper.admin.enableServer=true \
    -Dzookeeper.admin.serverAddress=127.0.0.1 \
    -Dzookeeper.admin.serverPort="$PORT_ZOOKEEPER_ADMIN" \
    -Dzookeeper.jmx.log4j.disable=true \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd'T'HH:mm:ss.SSS" \
    -cp "$ZOOKEEPER_JARS" org.apache.zookeeper.server.ZooKeeperServerMain "$ZOOKEEPER_CONFIG"
  wait_until zookeeper 60 zookeeper_check
  env_fragment zookeeper "ZOOKEEPER_CONNECT=$(zookeeper_address)"
}

zookeeper_stop() { stop_daemon zookeeper; }
zookeeper_address() { echo "127.0.0.1:$PORT_ZOOKEEPER"; }

# zookeeper_check: the four-letter word ruok answered with imok.
zookeeper_check() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT_ZOOKEEPER" || exit 1
    printf ruok >&3
    reply=$(timeout 3 head -c 4 <&3)
    [[ $reply == imok ]]
  ) 2>/dev/null
}

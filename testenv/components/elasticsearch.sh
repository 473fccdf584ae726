# shellcheck shell=bash
# Elasticsearch 7.10.2, the last Apache-licensed release, as one node in a JVM: the server and its
# modules come from Maven Central through org.codelibs:elasticsearch-cluster-runner
# ($ES_RUNNER_VERSION), resolved by Maven into $SHOPMESH_CACHE/elasticsearch/$ES_RUNNER_VERSION/lib
# with Log4j raised to $ES_LOG4J_VERSION. A small main class (ShopmeshElasticsearch, below,
# compiled into the same cache) starts exactly one node through the runner on loopback with
# discovery.type=single-node and its data under $DATA_DIR/elasticsearch, then waits for SIGTERM.
#
# Runs as the invoking user, root included: the "can not run elasticsearch as root" refusal lives
# in the distribution's Bootstrap class, which the runner does not use (nor its production
# bootstrap checks, which a loopback-only node would skip anyway).
#
# The node reports build_flavor "unknown" (no distribution): @elastic/elasticsearch 7.14 and later
# refuse such a 7.10 server (ProductNotSupportedError), so the JS client is pinned to 7.13.

ES_VERSION=7.10.2
ES_CACHE="$SHOPMESH_CACHE/elasticsearch/$ES_RUNNER_VERSION"
ES_LIB="$ES_CACHE/lib"
ES_CLASSES="$ES_CACHE/classes"
ES_HOME="$DATA_DIR/elasticsearch"
ES_HEAP_OPTS=${ES_HEAP_OPTS:--Xms256m -Xmx512m}

# Debian's Java 17: ES 7.10.2 was released for Java 8 to 15 and runs on 17; a newer JDK that
# JAVA_HOME may name is not used. SHOPMESH_JAVA overrides it (it needs javac beside java).
elasticsearch_java() {
  local java
  for java in "${SHOPMESH_JAVA:-}" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [[ -n $java && -x $java ]] && { echo "$java"; return 0; }
  done
  command -v java
}

elasticsearch_pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by testenv/components/elasticsearch.sh: only resolves the node's runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>shopmesh.testenv</groupId>
  <artifactId>elasticsearch-node-jars</artifactId>
  <version>$ES_RUNNER_VERSION</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.logging.log4j</groupId>
        <artifactId>log4j-api</artifactId>
        <version>$ES_LOG4J_VERSION</version>
      </dependency>
      <dependency>
        <groupId>org.apache.logging.log4j</groupId>
        <artifactId>log4j-core</artifactId>
        <version>$ES_LOG4J_VERSION</version>
      </dependency>
      <dependency>
        <groupId>org.apache.logging.log4j</groupId>
        <artifactId>log4j-1.2-api</artifactId>
        <version>$ES_LOG4J_VERSION</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.codelibs</groupId>
      <artifactId>elasticsearch-cluster-runner</artifactId>
      <version>$ES_RUNNER_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

elasticsearch_main_source() {
  cat <<'EOF'
// Written by testenv/components/elasticsearch.sh.
// Usage: ShopmeshElasticsearch BASE_DIR HTTP_PORT TRANSPORT_PORT
// Starts one Elasticsearch node on 127.0.0.1 through the cluster runner and runs until SIGTERM.
import java.io.IOException;
import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

public final class ShopmeshElasticsearch {
  public static void main(String[] args) throws Exception {
    final String base = args[0];
    final int httpPort = Integer.parseInt(args[1]);
    final int transportPort = Integer.parseInt(args[2]);
    final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
    runner.setMaxHttpPort(-1); // no search for a free port: http.port below, or fail
    runner.onBuild((number, settings) -> {
      settings.put("node.name", "shopmesh-es");
      settings.put("cluster.name", "shopmesh-testenv");
      settings.put("network.host", "127.0.0.1");
      settings.put("http.port", String.valueOf(httpPort));
      settings.put("transport.port", String.valueOf(transportPort));
      settings.put("discovery.type", "single-node");
      settings.put("path.data", base + "/data");
      settings.put("path.logs", base + "/logs");
      settings.put("action.auto_create_index", "true");
      // A test machine's disk may be fuller than production watermarks allow.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (IOException e) {
        System.err.println("closing the node failed: " + e);
      }
    }));
    runner.build(new ElasticsearchClusterRunner.Configs()
        .basePath(base)
        .numOfNode(1)
        .baseHttpPort(httpPort - 1)
        .clusterName("shopmesh-testenv")
        .useLogger()
        .build());
    while (!runner.isClosed()) {
      Thread.sleep(1000);
    }
  }
}
EOF
}

# elasticsearch_install: resolves the jars and compiles the main class once (again if either changes).
elasticsearch_install() {
  apt_ensure openjdk-17-jre-headless || die elasticsearch "cannot install openjdk-17-jre-headless"
  local stamp
  stamp=$({ elasticsearch_pom; elasticsearch_main_source; } | sha256sum | cut -c1-16)
  [[ -f $ES_CACHE/.complete && $(<"$ES_CACHE/.complete") == "$stamp" ]] && return 0

  apt_ensure openjdk-17-jdk-headless maven || die elasticsearch "cannot install openjdk-17-jdk-headless maven"
  log "elasticsearch: resolving elasticsearch-cluster-runner $ES_RUNNER_VERSION (Elasticsearch $ES_VERSION) from Maven Central"
  mkdir -p "$ES_CACHE/src"
  elasticsearch_pom >"$ES_CACHE/pom.xml"
  elasticsearch_main_source >"$ES_CACHE/src/ShopmeshElasticsearch.java"
  rm -rf "$ES_CACHE/lib.tmp" "$ES_CACHE/classes.tmp"
  # One Maven at a time: the local repository is shared with the other components.
  (
    flock 9
    mvn -B -q -Dstyle.color=never -f "$ES_CACHE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$ES_CACHE/lib.tmp"
  ) 9>"$SHOPMESH_CACHE/.maven.lock" >>"$LOG_DIR/elasticsearch.log" 2>&1 \
    || die elasticsearch "mvn dependency:copy-dependencies failed for elasticsearch-cluster-runner:$ES_RUNNER_VERSION"
  [[ -f $ES_CACHE/lib.tmp/elasticsearch-$ES_VERSION.jar ]] \
    || die elasticsearch "elasticsearch-$ES_VERSION.jar not among the resolved jars"

  local javac
  javac="$(dirname "$(elasticsearch_java)")/javac"
  [[ -x $javac ]] || javac=$(command -v javac) || die elasticsearch "javac not found (openjdk-17-jdk-headless)"
  "$javac" -nowarn -d "$ES_CACHE/classes.tmp" -cp "$ES_CACHE/lib.tmp/*" "$ES_CACHE/src/ShopmeshElasticsearch.java" \
    >>"$LOG_DIR/elasticsearch.log" 2>&1 || die elasticsearch "compiling ShopmeshElasticsearch.java failed"
  rm -rf "$ES_LIB" "$ES_CLASSES"
  mv "$ES_CACHE/lib.tmp" "$ES_LIB"
  mv "$ES_CACHE/classes.tmp" "$ES_CLASSES"
  echo "$stamp" >"$ES_CACHE/.complete"
}

elasticsearch_start() {
  local heap
  read -r -a heap <<<"$ES_HEAP_OPTS"
  mkdir -p "$ES_HOME/tmp"
  # JVM flags of the distribution's jvm.options that matter outside it, and a small direct memory.
  start_daemon elasticsearch "ShopmeshElasticsearch $ES_HOME " \
    "$(elasticsearch_java)" "${heap[@]}" -XX:+UseG1GC -XX:MaxDirectMemorySize=256m -Xss1m \
    -Djava.io.tmpdir="$ES_HOME/tmp" -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
    -Djna.nosys=true -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0 \
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true \
    -Des.networkaddress.cache.ttl=60 -Des.networkaddress.cache.negative.ttl=10 \
    -cp "$ES_CLASSES:$ES_LIB/*" ShopmeshElasticsearch "$ES_HOME" "$PORT_ELASTICSEARCH" "$PORT_ELASTICSEARCH_TRANSPORT"
  wait_until elasticsearch 180 elasticsearch_check
  env_fragment elasticsearch "ELASTICSEARCH_URL=$(elasticsearch_address)"
}

elasticsearch_stop() { stop_daemon elasticsearch; }
elasticsearch_address() { echo "http://127.0.0.1:$PORT_ELASTICSEARCH"; }

# elasticsearch_check: the cluster health is green or yellow (a single node leaves replicas
# unassigned, so indices with replicas make it yellow).
elasticsearch_check() {
  curl -fsS --max-time 3 "$(elasticsearch_address)/_cluster/health" 2>/dev/null \
    | grep -Eq '"status":"(green|yellow)"'
}

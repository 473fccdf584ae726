// `cub zk-ready CONNECT TIMEOUT_SECONDS`: exit 0 once a ZooKeeper session to CONNECT is
// established (the server answered a client handshake), 1 with a message when the time is up.
// Each attempt is a new client with a short session timeout: a client's connect and read timeouts
// derive from its session timeout, so one client asked for a long timeout can stay stuck for that
// long on a connection that a starting server (or a dropped packet) never answers.
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

public final class ZkReady {
  private static final long ATTEMPT_MS = 6000;

  public static void main(String[] args) throws Exception {
    final String connect = args[0];
    final int seconds = Integer.parseInt(args[1]);
    final long started = System.nanoTime();
    final long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    boolean ready = false;
    long nextReport = started + TimeUnit.SECONDS.toNanos(10);
    while (!ready) {
      if (System.nanoTime() >= nextReport) {
        System.err.printf("cub zk-ready: waiting for ZooKeeper at %s (%d s of %d)%n", connect,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), seconds);
        nextReport += TimeUnit.SECONDS.toNanos(10);
      }
      final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMs <= 0) break;
      final CountDownLatch connected = new CountDownLatch(1);
      ZooKeeper zk = null;
      try {
        zk = new ZooKeeper(connect, (int) ATTEMPT_MS, event -> {
          if (event.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
        });
        ready = connected.await(Math.min(remainingMs, ATTEMPT_MS), TimeUnit.MILLISECONDS);
      } catch (IllegalArgumentException e) {
        System.err.println("cub zk-ready: \"" + connect + "\" is not a ZooKeeper connect string (KAFKA_ZOOKEEPER_CONNECT): " + e.getMessage());
        System.exit(1);
      } finally {
        if (zk != null) zk.close();
      }
    }
    if (!ready) {
      System.err.println("cub zk-ready: ZooKeeper at " + connect + " is not ready after " + seconds
          + " s (KAFKA_CUB_ZK_TIMEOUT)");
      System.exit(1);
    }
    System.err.printf("cub zk-ready: ZooKeeper at %s answered after %.1f s%n", connect, (System.nanoTime() - started) / 1e9);
  }
}

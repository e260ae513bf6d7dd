package newsearch.opensearch;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch 2.19 node in a plain JVM, with its plugins taken from the classpath instead of
 * the distribution's modules/ folder (nothing is ever installed into plugins/ or modules/).
 *
 * <p>Options (each may also be given as a system property {@code -Dnewsearch.<option>=value}):
 * <pre>
 *   --name NAME                     node name (default node-1)
 *   --http-port PORT                HTTP port (default 9200)
 *   --transport-port PORT           transport port (default 9300)
 *   --dir DIR                       node folder: home/, data/, logs/ go under it (required)
 *   --cluster-name NAME             default newsearch
 *   --seed-hosts H:P,H:P            multi-node discovery; without it the node is single-node
 *   --initial-cluster-managers N,N  names of the nodes that bootstrap the first election
 * </pre>
 * Prints one line starting with {@code READY} once the node has started, or one starting with
 * {@code FAILED} (and exits 1) if it could not. SIGTERM closes the node cleanly.
 */
public final class OpenSearchNode {

    /** Node's classpath-plugin constructor is protected; this subclass makes it reachable. */
    static final class ClasspathPluginNode extends Node {
        ClasspathPluginNode(Settings settings, List<Class<? extends Plugin>> plugins) {
            super(
                InternalSettingsPreparer.prepareEnvironment(
                    settings, Collections.emptyMap(), null, () -> settings.get("node.name")),
                plugins,
                true);
        }
    }

    private static final List<String> OPTIONS = Arrays.asList(
        "name", "http-port", "transport-port", "dir", "cluster-name", "seed-hosts",
        "initial-cluster-managers");

    static Map<String, String> parseOptions(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (String o : OPTIONS) {
            String v = System.getProperty("newsearch." + o);
            if (v != null && !v.isEmpty()) opts.put(o, v);
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !OPTIONS.contains(a.substring(2)) || i + 1 >= args.length) {
                throw new IllegalArgumentException("bad argument: " + a + " (known: --" + String.join(" --", OPTIONS) + ")");
            }
            opts.put(a.substring(2), args[++i]);
        }
        if (!opts.containsKey("dir")) throw new IllegalArgumentException("--dir is required");
        return opts;
    }

    static Settings buildSettings(Map<String, String> o) throws Exception {
        Path dir = Path.of(o.get("dir")).toAbsolutePath();
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Settings.Builder b = Settings.builder()
            .put("cluster.name", o.getOrDefault("cluster-name", "newsearch"))
            .put("node.name", o.getOrDefault("name", "node-1"))
            .put("path.home", home.toString())
            .put("path.data", dir.resolve("data").toString())
            .put("path.logs", dir.resolve("logs").toString())
            // loopback only: never reachable from another machine
            .put("network.host", "127.0.0.1")
            .put("http.port", o.getOrDefault("http-port", "9200"))
            .put("transport.port", o.getOrDefault("transport-port", "9300"))
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // a nearly full disk would otherwise leave replicas (or everything) unassigned
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        String seeds = o.get("seed-hosts");
        if (seeds != null) {
            b.putList("discovery.seed_hosts", seeds.split(","));
            String managers = o.get("initial-cluster-managers");
            if (managers == null) throw new IllegalArgumentException("--seed-hosts needs --initial-cluster-managers");
            b.putList("cluster.initial_cluster_manager_nodes", managers.split(","));
        } else {
            b.put("discovery.type", "single-node");
        }
        return b.build();
    }

    private static void fail(Throwable t) {
        System.out.println("FAILED " + t);
        t.printStackTrace(System.out);
        System.out.flush();
        Runtime.getRuntime().halt(1); // skip shutdown hooks: nothing was started cleanly
    }

    public static void main(String[] args) {
        // Keep log4j alive until our own shutdown hook has closed the node.
        if (System.getProperty("log4j.shutdownHookEnabled") == null) {
            System.setProperty("log4j.shutdownHookEnabled", "false");
        }
        long jvmStartMs = ManagementFactory.getRuntimeMXBean().getStartTime();
        long t0 = System.nanoTime();
        Map<String, String> opts;
        Node node;
        try {
            opts = parseOptions(args);
            node = new ClasspathPluginNode(buildSettings(opts), List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        } catch (Throwable t) {
            fail(t);
            return;
        }
        // Registered before start(), so a SIGTERM during start-up also closes the node cleanly.
        String name = opts.getOrDefault("name", "node-1");
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING " + name);
            try {
                node.close();
                if (!node.awaitClose(20, TimeUnit.SECONDS)) System.out.println("close timed out");
            } catch (Throwable t) {
                t.printStackTrace(System.out);
            }
            System.out.println("STOPPED " + name);
            System.out.flush();
            closed.countDown();
        }, "newsearch-node-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {
            fail(t);
            return;
        }
        System.out.println(String.format(Locale.ROOT,
            "READY name=%s http=127.0.0.1:%s transport=127.0.0.1:%s pid=%d start_s=%.1f since_jvm_start_s=%.1f",
            name, opts.getOrDefault("http-port", "9200"),
            opts.getOrDefault("transport-port", "9300"), ProcessHandle.current().pid(),
            (System.nanoTime() - t0) / 1e9, (System.currentTimeMillis() - jvmStartMs) / 1e3));
        System.out.flush();
        try {
            closed.await(); // runs until SIGTERM/SIGINT starts the shutdown hook
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

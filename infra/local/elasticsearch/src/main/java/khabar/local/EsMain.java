package khabar.local;

import khabar.local.analysis.KhabarAnalysisPlugin;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.KhabarNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * khabar's local single-node Elasticsearch, started in-process from the Maven Central jars.
 *
 * <pre>
 * java -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED -cp "target/khabar-es-local.jar:target/lib/*" \
 *   khabar.local.EsMain --home DIR --http-port 9200 --transport-port 9300 [--cluster-name khabar-local]
 * </pre>
 *
 * Binds 127.0.0.1 only, no security; single-node discovery unless --seed-hosts names the peers of a
 * cluster (then --initial-master-nodes lists the master-eligible node names for its first start). Data in DIR/data, logs in DIR/logs
 * (and on stdout). Prints {@code KHABAR-ES-READY http://127.0.0.1:PORT} once HTTP is bound and
 * the node has elected itself; closes the node on SIGTERM.
 */
public final class EsMain {
    static final List<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class, RootPlugin.class, KhabarAnalysisPlugin.class);

    /**
     * Without {@code seedHosts} the node is a single-node cluster; with them (a cluster node) it
     * discovers its peers there and, on the cluster's very first start, elects a master among
     * {@code initialMasterNodes} (node names).
     */
    record Options(
        Path home,
        int httpPort,
        int transportPort,
        String clusterName,
        String nodeName,
        List<String> seedHosts,
        List<String> initialMasterNodes
    ) {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(
                "usage: EsMain --home DIR --http-port PORT --transport-port PORT [--cluster-name NAME]"
                    + " [--node-name NAME] [--seed-hosts HOST:PORT,...] [--initial-master-nodes NAME,...]"
            );
            System.exit(2);
            return;
        }
        Path home = options.home();
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("config"));
        try (InputStream in = EsMain.class.getResourceAsStream("log4j2.properties")) {
            Files.copy(in, home.resolve("config/log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        // JVM flags a stock node gets from its jvm.options, set here so the launch command stays short.
        // Our shutdown hook logs while closing the node; log4j's own hook would stop logging first.
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("log4j2.formatMsgNoLookups", "true");
        System.setProperty("io.netty.noUnsafe", "true");
        System.setProperty("io.netty.noKeySetOptimization", "true");
        System.setProperty("io.netty.recycler.maxCapacityPerThread", "0");
        System.setProperty("es.nativelibs.path", nativeLibs(home).toString());
        // libvec (ES's SIMD vector scorer) is built by Elastic and not on Maven Central; Lucene's own
        // vector code is used instead.
        System.setProperty("org.elasticsearch.nativeaccess.enableVectorLibrary", "false");
        // ES sends System.out to a logger once logging is configured; the READY line must stay raw.
        PrintStream stdout = System.out;

        Settings settings = settings(options);
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(settings.get("node.name"));
        LogConfigurator.setClusterName(options.clusterName());
        LogConfigurator.configure(new Environment(settings, null), true);
        Logger logger = LogManager.getLogger(EsMain.class);

        Node node;
        try {
            node = new KhabarNode(settings, PLUGINS);
            node.start();
        } catch (Throwable t) {
            logger.error("Elasticsearch node failed to start", t);
            LogManager.shutdown();
            System.exit(1);
            return;
        }

        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            logger.info("stopping Elasticsearch node (shutdown signal)");
            try {
                node.close();
                if (node.awaitClose(30, TimeUnit.SECONDS) == false) {
                    logger.warn("node did not close within 30s");
                }
                logger.info("Elasticsearch node stopped");
            } catch (IOException | InterruptedException | RuntimeException e) {
                logger.error("error while closing the node", e);
            } finally {
                closed.countDown();
                LogManager.shutdown();
            }
        }, "khabar-es-shutdown"));

        int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        stdout.println("KHABAR-ES-READY http://127.0.0.1:" + port);
        stdout.flush();
        closed.await(); // keep the JVM up until the shutdown hook has closed the node
    }

    /**
     * ES's native layer (zstd, mlock...) loads libzstd from a distribution's lib/platform folder,
     * which Maven jars lack. The system libzstd (Debian libzstd1) has the same C API, so point ES at a
     * folder holding a link to it (zstd backs index.codec=best_compression); without it ES logs a
     * warning and runs with native methods disabled.
     */
    static Path nativeLibs(Path home) throws IOException {
        Path dir = home.resolve("native");
        Files.createDirectories(dir);
        Path link = dir.resolve("libzstd.so");
        for (String candidate : List.of("/usr/lib/x86_64-linux-gnu/libzstd.so.1", "/usr/lib/aarch64-linux-gnu/libzstd.so.1", "/usr/lib64/libzstd.so.1", "/usr/lib/libzstd.so.1")) {
            Path lib = Path.of(candidate);
            if (Files.exists(lib)) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, lib);
                break;
            }
        }
        return dir;
    }

    static Settings settings(Options o) {
        Path home = o.home();
        Settings.Builder builder = Settings.builder()
            .put("cluster.name", o.clusterName())
            .put("node.name", o.nodeName())
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", o.httpPort())
            .put("transport.port", o.transportPort())
            // A dev laptop or CI box can be nearly full; don't turn indices read-only on disk watermarks.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // With a 1 GiB heap the real-memory breaker trips on GC noise; count reserved bytes only.
            .put("indices.breaker.total.use_real_memory", false);
        if (o.seedHosts().isEmpty()) {
            builder.put("discovery.type", "single-node");
        } else {
            // Every node is master-eligible (the default roles); the bootstrap list is only read
            // while the cluster has never formed, so it can stay on later starts.
            builder.putList("discovery.seed_hosts", o.seedHosts());
            builder.putList("cluster.initial_master_nodes", o.initialMasterNodes());
        }
        return builder.build();
    }

    static Options parse(String[] args) {
        Path home = null;
        int httpPort = 9200;
        int transportPort = 9300;
        String clusterName = "khabar-local";
        String nodeName = null;
        List<String> seedHosts = List.of();
        List<String> initialMasterNodes = List.of();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--home" -> home = Path.of(value).toAbsolutePath().normalize();
                case "--http-port" -> httpPort = port(flag, value);
                case "--transport-port" -> transportPort = port(flag, value);
                case "--cluster-name" -> clusterName = value;
                case "--node-name" -> nodeName = value;
                case "--seed-hosts" -> seedHosts = list(value);
                case "--initial-master-nodes" -> initialMasterNodes = list(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        if (seedHosts.isEmpty() != initialMasterNodes.isEmpty()) {
            throw new IllegalArgumentException("--seed-hosts and --initial-master-nodes go together");
        }
        return new Options(
            home,
            httpPort,
            transportPort,
            clusterName,
            nodeName == null ? clusterName + "-1" : nodeName,
            seedHosts,
            initialMasterNodes
        );
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> s.isEmpty() == false).toList();
    }

    private static int port(String flag, String value) {
        try {
            int p = Integer.parseInt(value);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a port number, got " + value);
        }
    }

    private EsMain() {}
}

package org.elasticsearch.node;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.KhabarPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * A node whose plugins are classpath classes. {@code Node(NodeConstruction)},
 * {@code NodeConstruction.prepareConstruction} and {@code NodeServiceProvider.newPluginService}
 * are package-private, hence this package.
 */
public class KhabarNode extends Node {
    public KhabarNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        super(construct(settings, plugins));
    }

    private static NodeConstruction construct(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        Environment environment = new Environment(settings, null);
        // No module/plugin bundles on disk; withServerExports=false because we are not in a module layer.
        PluginsLoader loader = PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false);
        NodeServiceProvider services = new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader pluginsLoader) {
                return new KhabarPluginsService(env.settings(), pluginsLoader, plugins);
            }
        };
        return NodeConstruction.prepareConstruction(environment, loader, services, true);
    }
}

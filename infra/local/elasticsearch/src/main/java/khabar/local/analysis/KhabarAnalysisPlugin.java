package khabar.local.analysis;

import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/** Placeholder; filled in by the analysis work. */
public class KhabarAnalysisPlugin extends Plugin implements AnalysisPlugin {}

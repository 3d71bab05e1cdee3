package khabar.local.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymFilter;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.apache.lucene.analysis.synonym.WordnetSynonymParser;
import org.apache.lucene.util.CharsRef;
import org.apache.lucene.util.CharsRefBuilder;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexService;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalysisMode;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.text.ParseException;
import java.util.List;
import java.util.function.Function;

/**
 * ES's {@code synonym} and {@code synonym_graph} filters: rules in {@code synonyms} (inline list)
 * or {@code synonyms_path} (file under the config dir), {@code format} solr (default) or wordnet,
 * {@code expand} (true), {@code lenient} (false), {@code updateable} (false; when true the filter
 * is search-time only, as on a stock node, but rules are not reloadable here). The rules are
 * analyzed with the chain in front of the filter, so they match what reaches it.
 * {@code synonyms_set} (the synonyms API) is not available.
 */
final class SynonymFactory implements TokenFilterFactory {
    private final String name;
    private final boolean graph;
    private final Environment env;
    private final Settings settings;
    private final boolean expand;
    private final boolean lenient;
    private final String format;
    private final AnalysisMode mode;

    SynonymFactory(String name, boolean graph, Environment env, Settings settings) {
        this.name = name;
        this.graph = graph;
        this.env = env;
        this.settings = settings;
        this.expand = settings.getAsBoolean("expand", true);
        this.lenient = settings.getAsBoolean("lenient", false);
        this.format = settings.get("format", "");
        this.mode = settings.getAsBoolean("updateable", false) ? AnalysisMode.SEARCH_TIME : AnalysisMode.ALL;
        if (settings.get("synonyms_set") != null) {
            throw new IllegalArgumentException("[synonyms_set] (the synonyms API) is not available on khabar's local node; use [synonyms]");
        }
        if (settings.get("synonyms_path") == null && settings.getAsList("synonyms", null) == null) {
            throw new IllegalArgumentException("synonym requires either `synonyms`, `synonyms_set` or `synonyms_path` to be configured");
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        throw new IllegalStateException("Call getChainAwareTokenFilterFactory to specialize this factory for an analysis chain first");
    }

    @Override
    public AnalysisMode getAnalysisMode() {
        return mode;
    }

    @Override
    public TokenFilterFactory getSynonymFilter() {
        return IDENTITY_FILTER; // an earlier synonym filter does not rewrite a later one's rules
    }

    @Override
    public TokenFilterFactory getChainAwareTokenFilterFactory(
        IndexService.IndexCreationContext context,
        TokenizerFactory tokenizer,
        List<CharFilterFactory> charFilters,
        List<TokenFilterFactory> previousTokenFilters,
        Function<String, TokenFilterFactory> allFilters
    ) {
        List<TokenFilterFactory> upstream = previousTokenFilters.stream().map(TokenFilterFactory::getSynonymFilter).toList();
        SynonymMap map;
        try (Analyzer ruleAnalyzer = chainAnalyzer(tokenizer, charFilters, upstream); Reader rules = rules()) {
            SynonymMap.Parser parser = parser(ruleAnalyzer);
            parser.parse(rules);
            map = parser.build();
        } catch (IOException | ParseException | RuntimeException e) {
            throw new IllegalArgumentException("failed to build synonyms for [" + name + "]: " + e.getMessage(), e);
        }
        String factoryName = name;
        AnalysisMode analysisMode = mode;
        boolean isGraph = graph;
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return factoryName;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                // an empty map (e.g. every rule dropped as lenient) would make Lucene's filters throw
                if (map.fst == null) {
                    return tokenStream;
                }
                return isGraph ? new SynonymGraphFilter(tokenStream, map, false) : new SynonymFilter(tokenStream, map, false);
            }

            @Override
            public TokenFilterFactory getSynonymFilter() {
                return IDENTITY_FILTER;
            }

            @Override
            public AnalysisMode getAnalysisMode() {
                return analysisMode;
            }
        };
    }

    private Reader rules() {
        if (settings.get("synonyms_path") != null) {
            return Analysis.getReaderFromFile(env, settings.get("synonyms_path"), "synonyms_path");
        }
        return new StringReader(String.join("\n", settings.getAsList("synonyms")));
    }

    private SynonymMap.Parser parser(Analyzer analyzer) {
        boolean wordnet = "wordnet".equalsIgnoreCase(format);
        if (lenient == false) {
            return wordnet ? new WordnetSynonymParser(true, expand, analyzer) : new SolrSynonymParser(true, expand, analyzer);
        }
        // lenient: a rule term the chain removes entirely (e.g. a stopword) drops that mapping, not the index
        return wordnet ? new WordnetSynonymParser(true, expand, analyzer) {
            @Override
            public CharsRef analyze(String text, CharsRefBuilder reuse) throws IOException {
                return lenientAnalyze(super::analyze, text, reuse);
            }

            @Override
            public void add(CharsRef input, CharsRef output, boolean includeOrig) {
                if (input.length > 0 && output.length > 0) {
                    super.add(input, output, includeOrig);
                }
            }
        } : new SolrSynonymParser(true, expand, analyzer) {
            @Override
            public CharsRef analyze(String text, CharsRefBuilder reuse) throws IOException {
                return lenientAnalyze(super::analyze, text, reuse);
            }

            @Override
            public void add(CharsRef input, CharsRef output, boolean includeOrig) {
                if (input.length > 0 && output.length > 0) {
                    super.add(input, output, includeOrig);
                }
            }
        };
    }

    private interface Analyze {
        CharsRef apply(String text, CharsRefBuilder reuse) throws IOException;
    }

    private static CharsRef lenientAnalyze(Analyze analyze, String text, CharsRefBuilder reuse) throws IOException {
        try {
            return analyze.apply(text, reuse);
        } catch (IllegalArgumentException e) {
            reuse.clear();
            return reuse.get();
        }
    }

    private static Analyzer chainAnalyzer(TokenizerFactory tokenizer, List<CharFilterFactory> charFilters, List<TokenFilterFactory> filters) {
        return new Analyzer() {
            @Override
            protected Reader initReader(String fieldName, Reader reader) {
                for (CharFilterFactory c : charFilters) {
                    reader = c.create(reader);
                }
                return reader;
            }

            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                Tokenizer source = tokenizer.create();
                TokenStream result = source;
                for (TokenFilterFactory f : filters) {
                    result = f.create(result);
                }
                return new TokenStreamComponents(source, result);
            }
        };
    }
}

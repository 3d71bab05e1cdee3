package khabar.local.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LetterTokenizer;
import org.apache.lucene.analysis.core.UpperCaseFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.el.GreekLowerCaseFilter;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.fa.PersianNormalizationFilter;
import org.apache.lucene.analysis.ga.IrishLowerCaseFilter;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.KeywordRepeatFilter;
import org.apache.lucene.analysis.miscellaneous.LengthFilter;
import org.apache.lucene.analysis.miscellaneous.LimitTokenCountFilter;
import org.apache.lucene.analysis.miscellaneous.PatternKeywordMarkerFilter;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.miscellaneous.SetKeywordMarkerFilter;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;
import org.apache.lucene.analysis.miscellaneous.TrimFilter;
import org.apache.lucene.analysis.miscellaneous.TruncateTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.reverse.ReverseStringFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tr.TurkishLowerCaseFilter;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.apache.lucene.analysis.classic.ClassicTokenizer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.util.AttributeFactory;
import org.elasticsearch.common.regex.Regex;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.PreConfiguredTokenFilter;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

import static khabar.local.analysis.Factories.filter;
import static khabar.local.analysis.Factories.normalizing;
import static org.elasticsearch.plugins.AnalysisPlugin.requiresAnalysisSettings;

/**
 * The analysis components a stock node gets from modules/analysis-common and plugins/analysis-icu
 * and that khabar uses (plus cheap neighbours), registered under ES's names with ES's parameter
 * names and defaults and built on the same Lucene classes, so an index template written against
 * this node works unchanged on a stock Elasticsearch 9 with analysis-icu installed.
 * The server itself already provides: analyzers standard/simple/stop/whitespace/keyword, the
 * standard tokenizer, token filters stop (with _arabic_ etc.), shingle, hunspell and bare lowercase.
 */
public class KhabarAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> a = new TreeMap<>();
        // stopwords (_arabic_ by default) | stopwords_path, stem_exclusion
        a.put(
            "arabic",
            (is, env, name, s) -> Factories.analyzer(
                name,
                new ArabicAnalyzer(
                    Analysis.parseStopWords(env, s, ArabicAnalyzer.getDefaultStopSet()),
                    Analysis.parseStemExclusion(s, CharArraySet.EMPTY_SET)
                )
            )
        );
        a.put("icu_analyzer", (is, env, name, s) -> Factories.analyzer(name, Icu.analyzer(s)));
        return a;
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> t = new TreeMap<>();
        t.put("keyword", (is, env, name, s) -> {
            int bufferSize = s.getAsInt("buffer_size", 256);
            return Factories.tokenizer(name, () -> new KeywordTokenizer(bufferSize));
        });
        t.put("whitespace", (is, env, name, s) -> {
            int max = s.getAsInt("max_token_length", 255);
            return Factories.tokenizer(name, () -> new WhitespaceTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, max));
        });
        t.put("letter", (is, env, name, s) -> Factories.tokenizer(name, LetterTokenizer::new));
        t.put("classic", (is, env, name, s) -> {
            int max = s.getAsInt("max_token_length", 255);
            return Factories.tokenizer(name, () -> {
                ClassicTokenizer tokenizer = new ClassicTokenizer();
                tokenizer.setMaxTokenLength(max);
                return tokenizer;
            });
        });
        t.put("uax_url_email", (is, env, name, s) -> {
            int max = s.getAsInt("max_token_length", 255);
            return Factories.tokenizer(name, () -> {
                UAX29URLEmailTokenizer tokenizer = new UAX29URLEmailTokenizer();
                tokenizer.setMaxTokenLength(max);
                return tokenizer;
            });
        });
        // pattern (default \W+) splits on matches; group >= 0 emits that capture group instead
        t.put("pattern", (is, env, name, s) -> {
            Pattern pattern = Regex.compile(s.get("pattern", "\\W+"), s.get("flags"));
            int group = s.getAsInt("group", -1);
            return Factories.tokenizer(name, () -> new PatternTokenizer(pattern, group));
        });
        t.put("icu_tokenizer", (is, env, name, s) -> Icu.tokenizer(name, env, s));
        return t;
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        Map<String, AnalysisProvider<CharFilterFactory>> c = new TreeMap<>();
        // mappings ["a => b", ...] | mappings_path
        c.put("mapping", requiresAnalysisSettings((is, env, name, s) -> {
            List<String> rules = Analysis.getWordList(env, s, "mappings");
            if (rules == null) {
                throw new IllegalArgumentException("mapping requires either `mappings` or `mappings_path` to be configured");
            }
            NormalizeCharMap map = Rules.mappings(rules);
            return Factories.charFilter(name, reader -> new MappingCharFilter(map, reader));
        }));
        // pattern (required), replacement (""), flags
        c.put("pattern_replace", requiresAnalysisSettings((is, env, name, s) -> {
            Pattern pattern = requiredPattern(s, name, "char filter");
            String replacement = s.get("replacement", "");
            return Factories.charFilter(name, reader -> new PatternReplaceCharFilter(pattern, replacement, reader));
        }));
        c.put("html_strip", (is, env, name, s) -> {
            List<String> escaped = s.getAsList("escaped_tags", List.of());
            java.util.Set<String> tags = escaped.isEmpty() ? null : java.util.Set.copyOf(escaped);
            return Factories.charFilter(name, reader -> new HTMLStripCharFilter(reader, tags));
        });
        // name (nfkc_cf), mode (compose), unicode_set_filter
        c.put("icu_normalizer", (is, env, name, s) -> Icu.normalizerCharFilter(name, s));
        return c;
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> f = new TreeMap<>();
        // language: greek | irish | turkish; absent = plain Unicode lowercasing
        f.put("lowercase", (is, env, name, s) -> lowercase(name, s.get("language")));
        f.put("uppercase", simple(UpperCaseFilter::new, true));
        f.put("decimal_digit", simple(DecimalDigitFilter::new, true));
        f.put("arabic_normalization", simple(ArabicNormalizationFilter::new, true));
        f.put("persian_normalization", simple(PersianNormalizationFilter::new, true));
        f.put("arabic_stem", simple(ArabicStemFilter::new, false));
        f.put("asciifolding", (is, env, name, s) -> {
            boolean preserve = s.getAsBoolean("preserve_original", false);
            return normalizing(name, ts -> new ASCIIFoldingFilter(ts, preserve));
        });
        f.put("trim", simple(TrimFilter::new, true));
        f.put("reverse", simple(ReverseStringFilter::new, false));
        f.put("remove_duplicates", simple(RemoveDuplicatesTokenFilter::new, false));
        f.put("keyword_repeat", simple(KeywordRepeatFilter::new, false));
        f.put("porter_stem", simple(PorterStemFilter::new, false));
        f.put("kstem", simple(KStemFilter::new, false));
        // only_on_same_position (false)
        f.put("unique", (is, env, name, s) -> {
            boolean samePosition = s.getAsBoolean("only_on_same_position", false);
            return filter(name, ts -> new UniqueTokenFilter(ts, samePosition));
        });
        f.put("truncate", (is, env, name, s) -> {
            int length = s.getAsInt("length", 10);
            return filter(name, ts -> new TruncateTokenFilter(ts, length));
        });
        f.put("length", (is, env, name, s) -> {
            int min = s.getAsInt("min", 0);
            int max = s.getAsInt("max", Integer.MAX_VALUE);
            return filter(name, ts -> new LengthFilter(ts, min, max));
        });
        f.put("limit", (is, env, name, s) -> {
            int max = s.getAsInt("max_token_count", 1);
            boolean consumeAll = s.getAsBoolean("consume_all_tokens", false);
            return filter(name, ts -> new LimitTokenCountFilter(ts, max, consumeAll));
        });
        f.put("elision", requiresAnalysisSettings((is, env, name, s) -> {
            CharArraySet articles = Analysis.parseArticles(env, s);
            if (articles == null) {
                throw new IllegalArgumentException("elision filter requires [articles] or [articles_path] setting");
            }
            boolean ignoreCase = s.getAsBoolean("articles_case", false);
            CharArraySet set = new CharArraySet(articles, ignoreCase);
            return normalizing(name, ts -> new ElisionFilter(ts, set));
        }));
        // min_gram (1), max_gram (2), preserve_original (false), side (front | back, deprecated)
        f.put("edge_ngram", (is, env, name, s) -> edgeNgram(name, s));
        // min_gram (1), max_gram (2), preserve_original (false); max-min <= index.max_ngram_diff
        f.put("ngram", (is, env, name, s) -> ngram(is, name, s));
        // keywords | keywords_path | keywords_pattern, ignore_case (false)
        f.put("keyword_marker", requiresAnalysisSettings((is, env, name, s) -> keywordMarker(env, name, s)));
        // rules ["w1, w2 => stem"] | rules_path
        f.put("stemmer_override", requiresAnalysisSettings((is, env, name, s) -> {
            List<String> rules = Analysis.getWordList(env, s, "rules");
            if (rules == null) {
                throw new IllegalArgumentException("stemmer override filter requires either `rules` or `rules_path` to be configured");
            }
            StemmerOverrideFilter.StemmerOverrideMap map = Rules.stemmerOverrides(rules);
            return filter(name, ts -> new StemmerOverrideFilter(ts, map));
        }));
        // pattern (required), replacement (""), all (true), flags
        f.put("pattern_replace", requiresAnalysisSettings((is, env, name, s) -> {
            Pattern pattern = requiredPattern(s, name, "token filter");
            String replacement = s.get("replacement", "");
            boolean all = s.getAsBoolean("all", true);
            return normalizing(name, ts -> new PatternReplaceFilter(ts, pattern, replacement, all));
        }));
        // patterns [...] (required), preserve_original (true): each capture group of each pattern
        // as an extra token at the same position (one regex pass instead of multiplexer branches)
        f.put("pattern_capture", requiresAnalysisSettings((is, env, name, s) -> {
            List<String> regexes = s.getAsList("patterns", null, false);
            if (regexes == null) {
                throw new IllegalArgumentException("required setting 'patterns' is missing for token filter [" + name + "]");
            }
            Pattern[] patterns = regexes.stream().map(Pattern::compile).toArray(Pattern[]::new);
            boolean preserveOriginal = s.getAsBoolean("preserve_original", true);
            return filter(name, ts -> new PatternCaptureGroupTokenFilter(ts, preserveOriginal, patterns));
        }));
        // filters ["a", "b, c"], preserve_original (true)
        f.put("multiplexer", requiresAnalysisSettings((is, env, name, s) -> new MultiplexerFactory(name, s)));
        // language (English): a Snowball stemmer class name, e.g. Arabic, English, Porter
        // synonyms [...] | synonyms_path, format (solr | wordnet), expand (true), lenient (false), updateable
        f.put("synonym", requiresAnalysisSettings((is, env, name, s) -> new SynonymFactory(name, false, env, s)));
        f.put("synonym_graph", requiresAnalysisSettings((is, env, name, s) -> new SynonymFactory(name, true, env, s)));
        f.put("snowball", (is, env, name, s) -> {
            String language = capitalize(s.get("language", "English"));
            return filter(name, ts -> new SnowballFilter(ts, language));
        });
        // language | name (porter)
        f.put("stemmer", (is, env, name, s) -> stemmer(name, s.get("language", s.get("name", "porter"))));
        f.put("icu_normalizer", (is, env, name, s) -> Icu.normalizerFilter(name, s));
        f.put("icu_folding", (is, env, name, s) -> Icu.folding(name, s));
        f.put("icu_transform", (is, env, name, s) -> Icu.transform(name, s));
        return f;
    }

    @Override
    public List<PreConfiguredTokenFilter> getPreConfiguredTokenFilters() {
        // A bare name in an index analyzer resolves to these first. Only edge_ngram differs from the
        // configurable factory's defaults (1..1 here, 1..2 there), as on a stock node.
        return List.of(PreConfiguredTokenFilter.singleton("edge_ngram", false, false, ts -> new EdgeNGramTokenFilter(ts, 1, 1, false)));
    }

    private static AnalysisProvider<TokenFilterFactory> simple(Function<TokenStream, TokenStream> create, boolean normalizing) {
        return (is, env, name, s) -> normalizing ? normalizing(name, create) : filter(name, create);
    }

    static TokenFilterFactory lowercase(String name, String language) {
        if (language == null) {
            return normalizing(name, LowerCaseFilter::new);
        }
        return switch (language.toLowerCase(Locale.ROOT)) {
            case "greek" -> normalizing(name, GreekLowerCaseFilter::new);
            case "irish" -> normalizing(name, IrishLowerCaseFilter::new);
            case "turkish" -> normalizing(name, TurkishLowerCaseFilter::new);
            default -> throw new IllegalArgumentException("language [" + language + "] not support for lower case");
        };
    }

    static TokenFilterFactory stemmer(String name, String language) {
        Function<TokenStream, TokenStream> create = switch (language.toLowerCase(Locale.ROOT)) {
            case "arabic" -> ArabicStemFilter::new;
            case "english", "porter" -> PorterStemFilter::new;
            case "light_english", "kstem" -> KStemFilter::new;
            case "minimal_english" -> EnglishMinimalStemFilter::new;
            case "possessive_english" -> EnglishPossessiveFilter::new;
            case "porter2" -> ts -> new SnowballFilter(ts, new org.tartarus.snowball.ext.EnglishStemmer());
            default -> throw new IllegalArgumentException(
                "stemmer language [" + language + "] is not available on khabar's local node "
                    + "(supported: arabic, english, porter, light_english, kstem, minimal_english, possessive_english, porter2)"
            );
        };
        return filter(name, create);
    }

    private static TokenFilterFactory edgeNgram(String name, Settings s) {
        int min = s.getAsInt("min_gram", 1);
        int max = s.getAsInt("max_gram", 2);
        boolean preserve = s.getAsBoolean("preserve_original", false);
        String side = s.get("side", "front");
        boolean back = switch (side) {
            case "front" -> false;
            case "back" -> true;
            default -> throw new IllegalArgumentException("invalid side: " + side);
        };
        return filter(name, ts -> {
            if (back == false) {
                return new EdgeNGramTokenFilter(ts, min, max, preserve);
            }
            // grams from the end: reverse, take front grams, reverse back
            return new ReverseStringFilter(new EdgeNGramTokenFilter(new ReverseStringFilter(ts), min, max, preserve));
        });
    }

    private static TokenFilterFactory ngram(IndexSettings is, String name, Settings s) {
        int min = s.getAsInt("min_gram", 1);
        int max = s.getAsInt("max_gram", 2);
        boolean preserve = s.getAsBoolean("preserve_original", false);
        int maxDiff = is.getMaxNgramDiff();
        if (max - min > maxDiff) {
            throw new IllegalArgumentException(
                "The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: ["
                    + maxDiff + "] but was [" + (max - min) + "]. This limit can be set by changing the ["
                    + IndexSettings.MAX_NGRAM_DIFF_SETTING.getKey() + "] index level setting."
            );
        }
        return filter(name, ts -> new NGramTokenFilter(ts, min, max, preserve));
    }

    private static TokenFilterFactory keywordMarker(Environment env, String name, Settings s) {
        boolean ignoreCase = s.getAsBoolean("ignore_case", false);
        String patternString = s.get("keywords_pattern");
        CharArraySet words = Analysis.getWordSet(env, s, "keywords");
        if (patternString != null) {
            if (words != null) {
                throw new IllegalArgumentException("cannot specify both `keywords_pattern` and `keywords` or `keywords_path`");
            }
            Pattern pattern = Pattern.compile(patternString);
            return filter(name, ts -> new PatternKeywordMarkerFilter(ts, pattern));
        }
        if (words == null) {
            throw new IllegalArgumentException("keyword filter requires either `keywords`, `keywords_path`, or `keywords_pattern` to be configured");
        }
        CharArraySet set = new CharArraySet(words, ignoreCase);
        return filter(name, ts -> new SetKeywordMarkerFilter(ts, set));
    }

    private static Pattern requiredPattern(Settings s, String name, String kind) {
        String pattern = s.get("pattern");
        if (pattern == null) {
            throw new IllegalArgumentException("pattern is missing for [" + name + "] " + kind + " of type 'pattern_replace'");
        }
        return Regex.compile(pattern, s.get("flags"));
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}

package khabar.local;

import com.ibm.icu.text.Transliterator;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.icu.ICUFoldingFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2CharFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2Filter;
import org.apache.lucene.analysis.icu.ICUTransformFilter;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.SetKeywordMarkerFilter;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.apache.lucene.analysis.pattern.PatternReplaceFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Reference tokens for the analysis parity test: fixed analysis chains built straight from Lucene
 * classes (no Elasticsearch code), each paired with the {@code _analyze} body that should give the
 * same tokens on khabar's local node and on a stock Elasticsearch with analysis-icu.
 *
 * <pre>
 * LuceneTokens CASE TEXT          JSON array of the tokens of TEXT
 * LuceneTokens --list             JSON array of {"name": CASE, "analyze": {_analyze body without text}}
 *                                 (+ "index_filters": {name: definition} the body refers to by name)
 * LuceneTokens --dump TEXT...     JSON object {CASE: [[tokens of TEXT1], [tokens of TEXT2], ...]}
 * </pre>
 */
public final class LuceneTokens {

    /** One case: how Lucene builds it, and the equivalent ES request. */
    record Case(String name, String analyzeJson, Supplier<Analyzer> lucene) {}

    private static final Pattern HARAKAT = Pattern.compile("[\\u064B-\\u065F\\u0670]");

    static final List<Case> CASES = List.of(
        new Case("arabic", "{\"analyzer\":\"arabic\"}", ArabicAnalyzer::new),
        chain("standard+lowercase", "\"tokenizer\":\"standard\",\"filter\":[\"lowercase\"]", LowerCaseFilter::new),
        chain("standard+decimal_digit", "\"tokenizer\":\"standard\",\"filter\":[\"decimal_digit\"]", DecimalDigitFilter::new),
        chain(
            "standard+stop_arabic",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"stop\",\"stopwords\":\"_arabic_\"}]",
            ts -> new StopFilter(ts, ArabicAnalyzer.getDefaultStopSet())
        ),
        chain(
            "standard+arabic_normalization",
            "\"tokenizer\":\"standard\",\"filter\":[\"arabic_normalization\"]",
            ArabicNormalizationFilter::new
        ),
        chain("standard+arabic_stem", "\"tokenizer\":\"standard\",\"filter\":[\"arabic_stem\"]", ArabicStemFilter::new),
        chain(
            "standard+stemmer_arabic",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"stemmer\",\"language\":\"arabic\"}]",
            ArabicStemFilter::new
        ),
        chain(
            "standard+snowball_arabic",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"snowball\",\"language\":\"Arabic\"}]",
            ts -> new SnowballFilter(ts, new org.tartarus.snowball.ext.ArabicStemmer())
        ),
        chain("standard+icu_normalizer", "\"tokenizer\":\"standard\",\"filter\":[\"icu_normalizer\"]", ICUNormalizer2Filter::new),
        chain("standard+icu_folding", "\"tokenizer\":\"standard\",\"filter\":[\"icu_folding\"]", ICUFoldingFilter::new),
        chain(
            "standard+icu_transform_arabic_latin",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"icu_transform\",\"id\":\"Arabic-Latin\"}]",
            ts -> new ICUTransformFilter(ts, Transliterator.getInstance("Arabic-Latin"))
        ),
        chain("standard+asciifolding", "\"tokenizer\":\"standard\",\"filter\":[\"asciifolding\"]", ASCIIFoldingFilter::new),
        chain(
            "standard+edge_ngram_2_5",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"edge_ngram\",\"min_gram\":2,\"max_gram\":5}]",
            ts -> new EdgeNGramTokenFilter(ts, 2, 5, false)
        ),
        chain(
            "standard+pattern_replace_tatweel",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"pattern_replace\",\"pattern\":\"\\u0640\",\"replacement\":\"\"}]",
            ts -> new PatternReplaceFilter(ts, Pattern.compile("\u0640"), "", true)
        ),
        chain(
            "standard+pattern_capture_clitics",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"pattern_capture\",\"preserve_original\":true,"
                + "\"patterns\":[\"^[\\u0648\\u0641](.{3,})\",\"^[\\u0648\\u0641]?[\\u0628\\u0643\\u0644](.{3,})\"]}]",
            ts -> new PatternCaptureGroupTokenFilter(
                ts, true, Pattern.compile("^[\u0648\u0641](.{3,})"), Pattern.compile("^[\u0648\u0641]?[\u0628\u0643\u0644](.{3,})")
            )
        ),
        chain(
            "standard+keyword_marker+arabic_stem",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"keyword_marker\",\"keywords\":[\"والوزير\"]},\"arabic_stem\"]",
            ts -> new ArabicStemFilter(new SetKeywordMarkerFilter(ts, new CharArraySet(List.of("والوزير"), false)))
        ),
        chain(
            "standard+stemmer_override+arabic_stem",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"stemmer_override\",\"rules\":[\"الشيباني, والشيباني => شيباني\"]},\"arabic_stem\"]",
            ts -> new ArabicStemFilter(new StemmerOverrideFilter(ts, overrides(Map.of("الشيباني", "شيباني", "والشيباني", "شيباني"))))
        ),
        chain(
            "standard+synonym_graph",
            "\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"synonym_graph\",\"synonyms\":[\"سوريا, الشام\",\"لافروف => سيرغي لافروف\"]}]",
            ts -> new SynonymGraphFilter(ts, synonyms("سوريا, الشام\nلافروف => سيرغي لافروف"), false)
        ),
        new Case(
            "icu_tokenizer",
            "{\"tokenizer\":\"icu_tokenizer\"}",
            () -> analyzer(ICUTokenizer::new, UnaryOperator.identity(), Function.identity())
        ),
        new Case(
            "icu_tokenizer+icu_folding",
            "{\"tokenizer\":\"icu_tokenizer\",\"filter\":[\"icu_folding\"]}",
            () -> analyzer(ICUTokenizer::new, UnaryOperator.identity(), ICUFoldingFilter::new)
        ),
        new Case(
            "whitespace",
            "{\"tokenizer\":\"whitespace\"}",
            () -> analyzer(WhitespaceTokenizer::new, UnaryOperator.identity(), Function.identity())
        ),
        new Case(
            "keyword+icu_folding",
            "{\"tokenizer\":\"keyword\",\"filter\":[\"icu_folding\"]}",
            () -> analyzer(KeywordTokenizer::new, UnaryOperator.identity(), ICUFoldingFilter::new)
        ),
        new Case(
            "icu_normalizer_char+standard",
            "{\"char_filter\":[\"icu_normalizer\"],\"tokenizer\":\"standard\"}",
            () -> analyzer(StandardTokenizer::new, ICUNormalizer2CharFilter::new, Function.identity())
        ),
        new Case(
            "mapping_tatweel+standard",
            "{\"char_filter\":[{\"type\":\"mapping\",\"mappings\":[\"\\\\u0640 => \"]}],\"tokenizer\":\"standard\"}",
            () -> analyzer(StandardTokenizer::new, r -> new MappingCharFilter(tatweelMap(), r), Function.identity())
        ),
        new Case(
            "pattern_replace_harakat+standard",
            "{\"char_filter\":[{\"type\":\"pattern_replace\",\"pattern\":\"[\\\\u064B-\\\\u065F\\\\u0670]\",\"replacement\":\"\"}],"
                + "\"tokenizer\":\"standard\"}",
            () -> analyzer(StandardTokenizer::new, r -> new PatternReplaceCharFilter(HARAKAT, "", r), Function.identity())
        ),
        // The shape of khabar's Arabic search analyzer, one component per ES name.
        new Case(
            "khabar_arabic_chain",
            "{\"char_filter\":[\"icu_normalizer\",{\"type\":\"mapping\",\"mappings\":[\"\\\\u0640 => \"]}],"
                + "\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"decimal_digit\","
                + "{\"type\":\"stop\",\"stopwords\":\"_arabic_\"},\"arabic_normalization\",\"arabic_stem\"]}",
            () -> analyzer(
                StandardTokenizer::new,
                r -> new MappingCharFilter(tatweelMap(), new ICUNormalizer2CharFilter(r)),
                ts -> new ArabicStemFilter(
                    new ArabicNormalizationFilter(
                        new StopFilter(new DecimalDigitFilter(new LowerCaseFilter(ts)), ArabicAnalyzer.getDefaultStopSet())
                    )
                )
            )
        )
    );

    private static final Pattern CONJUNCTION = Pattern.compile("^[وف](?=...)");
    private static final Pattern CLITIC = Pattern.compile("^[وف]?[بكل](?=...)");

    /** Named filters a multiplexer case refers to, defined inline the way an index would. */
    static final String NAMED_FILTERS = "{\"conj\":{\"type\":\"pattern_replace\",\"pattern\":\"^[وف](?=...)\",\"replacement\":\"\",\"all\":false},"
        + "\"clitic\":{\"type\":\"pattern_replace\",\"pattern\":\"^[وف]?[بكل](?=...)\",\"replacement\":\"\",\"all\":false}}";

    /**
     * multiplexer's ES output, computed independently: the tokens of each branch, run as a separate
     * Lucene chain, merged position by position (original first, duplicates at a position dropped).
     */
    static final List<Multiplex> MULTIPLEX_CASES = List.of(
        new Multiplex(
            "standard+multiplexer(arabic_normalization | arabic_normalization,arabic_stem)",
            "{\"tokenizer\":\"standard\",\"filter\":[{\"type\":\"multiplexer\",\"filters\":[\"arabic_normalization\","
                + "\"arabic_normalization, arabic_stem\"]}]}",
            UnaryOperator.identity(),
            Function.identity(),
            List.of(Function.identity(), ArabicNormalizationFilter::new, ts -> new ArabicStemFilter(new ArabicNormalizationFilter(ts)))
        ),
        // The shape of schemas/index-template.json's khabar_arabic analyzer: stems from three
        // branches (plain, conjunction stripped, clitic stripped), no original, one token per form.
        new Multiplex(
            "khabar_template_stems",
            "{\"char_filter\":[\"icu_normalizer\",{\"type\":\"mapping\",\"mappings\":[\"\\\\u0640=>\"]}],"
                + "\"tokenizer\":\"standard\",\"filter\":[\"lowercase\",\"decimal_digit\","
                + "{\"type\":\"stop\",\"stopwords\":\"_arabic_\"},\"arabic_normalization\","
                + "{\"type\":\"multiplexer\",\"preserve_original\":false,\"filters\":[\"arabic_stem\","
                + "\"conj, arabic_stem\",\"clitic, arabic_stem\"]},\"remove_duplicates\"]}",
            r -> new MappingCharFilter(tatweelMap(), new ICUNormalizer2CharFilter(r)),
            ts -> new ArabicNormalizationFilter(
                new StopFilter(new DecimalDigitFilter(new LowerCaseFilter(ts)), ArabicAnalyzer.getDefaultStopSet())
            ),
            List.of(
                ArabicStemFilter::new,
                ts -> new ArabicStemFilter(new PatternReplaceFilter(ts, CONJUNCTION, "", false)),
                ts -> new ArabicStemFilter(new PatternReplaceFilter(ts, CLITIC, "", false))
            )
        )
    );

    record Multiplex(
        String name,
        String analyzeJson,
        UnaryOperator<Reader> charFilters,
        Function<TokenStream, TokenStream> before,
        List<Function<TokenStream, TokenStream>> branches
    ) {}

    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length == 1 && args[0].equals("--list")) {
            List<String> items = new ArrayList<>();
            for (Case c : CASES) {
                items.add("{\"name\":" + json(c.name()) + ",\"analyze\":" + c.analyzeJson() + "}");
            }
            for (Multiplex m : MULTIPLEX_CASES) {
                // index_filters: filters the request names, to define in the index it runs against
                String extra = m.analyzeJson().contains("\"conj, ") ? ",\"index_filters\":" + NAMED_FILTERS : "";
                items.add("{\"name\":" + json(m.name()) + ",\"analyze\":" + m.analyzeJson() + extra + "}");
            }
            out.println("[" + String.join(",\n", items) + "]");
            return;
        }
        if (args.length >= 1 && args[0].equals("--dump")) {
            List<String> texts = List.of(args).subList(1, args.length);
            Map<String, List<List<String>>> all = new LinkedHashMap<>();
            for (Case c : CASES) {
                List<List<String>> perText = new ArrayList<>();
                for (String t : texts) {
                    perText.add(tokens(c, t));
                }
                all.put(c.name(), perText);
            }
            for (Multiplex m : MULTIPLEX_CASES) {
                List<List<String>> perText = new ArrayList<>();
                for (String t : texts) {
                    perText.add(multiplex(m, t));
                }
                all.put(m.name(), perText);
            }
            List<String> entries = new ArrayList<>();
            all.forEach((k, v) -> entries.add(json(k) + ":[" + String.join(",", v.stream().map(LuceneTokens::jsonArray).toList()) + "]"));
            out.println("{" + String.join(",\n", entries) + "}");
            return;
        }
        if (args.length == 2) {
            for (Case c : CASES) {
                if (c.name().equals(args[0])) {
                    out.println(jsonArray(tokens(c, args[1])));
                    return;
                }
            }
            for (Multiplex m : MULTIPLEX_CASES) {
                if (m.name().equals(args[0])) {
                    out.println(jsonArray(multiplex(m, args[1])));
                    return;
                }
            }
            System.err.println("unknown case " + args[0] + " (see --list)");
            System.exit(2);
        }
        System.err.println("usage: LuceneTokens CASE TEXT | --list | --dump TEXT...");
        System.exit(2);
    }

    static List<String> tokens(Case c, String text) {
        try (Analyzer analyzer = c.lucene().get()) {
            return terms(analyzer, text).stream().map(Term::text).toList();
        }
    }

    record Term(String text, int position) {}

    static List<Term> terms(Analyzer analyzer, String text) {
        List<Term> out = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream("f", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            int position = -1;
            while (ts.incrementToken()) {
                position += inc.getPositionIncrement();
                out.add(new Term(term.toString(), position));
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<String> multiplex(Multiplex m, String text) {
        // position -> tokens at it, in branch order
        Map<Integer, Set<String>> byPosition = new java.util.TreeMap<>();
        for (Function<TokenStream, TokenStream> branch : m.branches()) {
            try (Analyzer a = analyzer(StandardTokenizer::new, m.charFilters(), m.before().andThen(branch))) {
                for (Term t : terms(a, text)) {
                    byPosition.computeIfAbsent(t.position(), k -> new LinkedHashSet<>()).add(t.text());
                }
            }
        }
        List<String> out = new ArrayList<>();
        byPosition.values().forEach(out::addAll);
        return out;
    }

    private static Case chain(String name, String body, Function<TokenStream, TokenStream> filters) {
        return new Case(name, "{" + body + "}", () -> analyzer(StandardTokenizer::new, UnaryOperator.identity(), filters));
    }

    static Analyzer analyzer(Supplier<Tokenizer> tokenizer, UnaryOperator<Reader> charFilters, Function<TokenStream, TokenStream> filters) {
        return new Analyzer() {
            @Override
            protected Reader initReader(String fieldName, Reader reader) {
                return charFilters.apply(reader);
            }

            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                Tokenizer source = tokenizer.get();
                return new TokenStreamComponents(source, filters.apply(source));
            }
        };
    }

    static NormalizeCharMap tatweelMap() {
        NormalizeCharMap.Builder b = new NormalizeCharMap.Builder();
        b.add("\u0640", "");
        return b.build();
    }

    /** Solr-format rules analyzed by the standard tokenizer (what precedes the filter in the case). */
    static SynonymMap synonyms(String rules) {
        try (Analyzer ruleAnalyzer = analyzer(StandardTokenizer::new, UnaryOperator.identity(), Function.identity())) {
            SolrSynonymParser parser = new SolrSynonymParser(true, true, ruleAnalyzer);
            parser.parse(new java.io.StringReader(rules));
            return parser.build();
        } catch (IOException | java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    static StemmerOverrideFilter.StemmerOverrideMap overrides(Map<String, String> rules) {
        StemmerOverrideFilter.Builder b = new StemmerOverrideFilter.Builder(false);
        rules.forEach(b::add);
        try {
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String jsonArray(List<String> items) {
        return "[" + String.join(",", items.stream().map(LuceneTokens::json).toList()) + "]";
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private LuceneTokens() {}
}

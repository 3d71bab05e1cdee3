package khabar.local.analysis;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.text.FilteredNormalizer2;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.RuleBasedBreakIterator;
import com.ibm.icu.text.Transliterator;
import com.ibm.icu.text.UnicodeSet;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.icu.ICUFoldingFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2CharFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2Filter;
import org.apache.lucene.analysis.icu.ICUTransformFilter;
import org.apache.lucene.analysis.icu.segmentation.DefaultICUTokenizerConfig;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizer;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizerConfig;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** The components of ES's analysis-icu plugin, same names, parameters and defaults. */
final class Icu {
    private Icu() {}

    /** {@code name}: nfc | nfkc | nfkc_cf (default); {@code mode}: compose (default) | decompose. */
    static Normalizer2 normalizer(Settings settings, boolean allowMode) {
        String method = settings.get("name", "nfkc_cf");
        String mode = allowMode ? settings.get("mode", "compose") : "compose";
        Normalizer2.Mode m = "decompose".equals(mode) ? Normalizer2.Mode.DECOMPOSE : Normalizer2.Mode.COMPOSE;
        return withUnicodeSetFilter(Normalizer2.getInstance(null, method, m), settings);
    }

    /** {@code unicode_set_filter}: only characters in this UnicodeSet are touched. */
    static Normalizer2 withUnicodeSetFilter(Normalizer2 normalizer, Settings settings) {
        String filter = settings.get("unicode_set_filter");
        if (filter == null) {
            return normalizer;
        }
        UnicodeSet set = new UnicodeSet(filter);
        set.freeze();
        return new FilteredNormalizer2(normalizer, set);
    }

    static TokenFilterFactory normalizerFilter(String name, Settings settings) {
        Normalizer2 n = normalizer(settings, false);
        return Factories.normalizing(name, ts -> new ICUNormalizer2Filter(ts, n));
    }

    static CharFilterFactory normalizerCharFilter(String name, Settings settings) {
        Normalizer2 n = normalizer(settings, true);
        return Factories.charFilter(name, reader -> new ICUNormalizer2CharFilter(reader, n));
    }

    static TokenFilterFactory folding(String name, Settings settings) {
        Normalizer2 n = withUnicodeSetFilter(ICUFoldingFilter.NORMALIZER, settings);
        return Factories.normalizing(name, ts -> new ICUNormalizer2Filter(ts, n));
    }

    /** {@code id} (default "Null"), {@code dir}: forward (default) | reverse. */
    static TokenFilterFactory transform(String name, Settings settings) {
        String id = settings.get("id", "Null");
        int dir = "reverse".equals(settings.get("dir", "forward")) ? Transliterator.REVERSE : Transliterator.FORWARD;
        Transliterator transliterator = Transliterator.getInstance(id, dir);
        return Factories.normalizing(name, ts -> new ICUTransformFilter(ts, transliterator));
    }

    /** {@code rule_files}: "Scpt:file.rbbi,..." custom break rules per script, files under the config dir. */
    static TokenizerFactory tokenizer(String name, Environment env, Settings settings) {
        ICUTokenizerConfig config = config(env, settings);
        return Factories.tokenizer(name, () -> new ICUTokenizer(config));
    }

    private static ICUTokenizerConfig config(Environment env, Settings settings) {
        String ruleFiles = settings.get("rule_files");
        if (ruleFiles == null || ruleFiles.isBlank()) {
            return new DefaultICUTokenizerConfig(true, true);
        }
        BreakIterator[] breakers = new BreakIterator[1 + UCharacter.getIntPropertyMaxValue(UProperty.SCRIPT)];
        for (String entry : ruleFiles.split(",")) {
            String[] parts = entry.trim().split(":", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("rule_files entry must be SCRIPT:FILE, got [" + entry + "]");
            }
            int script = UCharacter.getPropertyValueEnum(UProperty.SCRIPT, parts[0].trim());
            try {
                String rules = Files.readString(env.configDir().resolve(parts[1].trim()), StandardCharsets.UTF_8);
                breakers[script] = new RuleBasedBreakIterator(rules);
            } catch (IOException e) {
                throw new UncheckedIOException("failed to load rule file [" + parts[1] + "]", e);
            }
        }
        return new DefaultICUTokenizerConfig(true, true) {
            @Override
            public RuleBasedBreakIterator getBreakIterator(int script) {
                BreakIterator custom = breakers[script];
                return custom != null ? (RuleBasedBreakIterator) custom.clone() : super.getBreakIterator(script);
            }
        };
    }

    /** {@code icu_analyzer}: icu_normalizer char filter (method, mode), icu_tokenizer, icu_folding. */
    static Analyzer analyzer(Settings settings) {
        String method = settings.get("method", "nfkc_cf");
        String mode = settings.get("mode", "compose");
        Normalizer2 n = Normalizer2.getInstance(
            null,
            method,
            "decompose".equals(mode) ? Normalizer2.Mode.DECOMPOSE : Normalizer2.Mode.COMPOSE
        );
        return new Analyzer() {
            @Override
            protected Reader initReader(String fieldName, Reader reader) {
                return new ICUNormalizer2CharFilter(reader, n);
            }

            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                Tokenizer source = new ICUTokenizer();
                TokenStream result = new ICUFoldingFilter(source);
                return new TokenStreamComponents(source, result);
            }
        };
    }
}

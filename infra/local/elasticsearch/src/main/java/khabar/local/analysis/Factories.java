package khabar.local.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;

import java.io.Reader;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Small factory types: ES's own Abstract*Factory base classes change constructor shapes between
 * releases, so we implement the stable interfaces directly.
 */
final class Factories {
    private Factories() {}

    /** A token filter that may not be used in a normalizer (stemmers, n-grams...). */
    static TokenFilterFactory filter(String name, Function<TokenStream, TokenStream> create) {
        return new PlainFilter(name, create);
    }

    /**
     * A token filter that maps each token to one token without looking at its neighbours, so ES
     * may also use it in normalizers and for multi-term queries (prefix, wildcard...).
     */
    static TokenFilterFactory normalizing(String name, Function<TokenStream, TokenStream> create) {
        return new NormalizingFilter(name, create);
    }

    static CharFilterFactory charFilter(String name, UnaryOperator<Reader> create) {
        return new NormalizingChar(name, create);
    }

    static TokenizerFactory tokenizer(String name, Supplier<Tokenizer> create) {
        return TokenizerFactory.newFactory(name, create);
    }

    static <A extends Analyzer> AnalyzerProvider<A> analyzer(String name, A analyzer) {
        return new Provider<>(name, analyzer);
    }

    private record PlainFilter(String name, Function<TokenStream, TokenStream> create) implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream tokenStream) {
            return create.apply(tokenStream);
        }
    }

    private record NormalizingFilter(String name, Function<TokenStream, TokenStream> create)
        implements
            NormalizingTokenFilterFactory {
        @Override
        public TokenStream create(TokenStream tokenStream) {
            return create.apply(tokenStream);
        }
    }

    private record NormalizingChar(String name, UnaryOperator<Reader> create) implements NormalizingCharFilterFactory {
        @Override
        public Reader create(Reader reader) {
            return create.apply(reader);
        }
    }

    private record Provider<A extends Analyzer>(String name, A analyzer) implements AnalyzerProvider<A> {
        @Override
        public AnalyzerScope scope() {
            return AnalyzerScope.INDEX;
        }

        @Override
        public A get() {
            return analyzer;
        }
    }
}

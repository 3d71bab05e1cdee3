package khabar.local.analysis;

import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ConditionalTokenFilter;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.IndexService;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * ES's {@code multiplexer}: every token goes through each branch in {@code filters} (a branch
 * {@code "a, b"} is the chain a then b) and all results are stacked at the token's position; with
 * {@code preserve_original} (default true) the untouched token is one more branch. Identical
 * tokens at one position are emitted once.
 */
final class MultiplexerFactory implements TokenFilterFactory {
    private final String name;
    private final List<String> branches;
    private final boolean preserveOriginal;

    MultiplexerFactory(String name, Settings settings) {
        this.name = name;
        this.branches = settings.getAsList("filters");
        this.preserveOriginal = settings.getAsBoolean("preserve_original", true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        throw new UnsupportedOperationException("multiplexer [" + name + "] is resolved through getChainAwareTokenFilterFactory");
    }

    @Override
    public TokenFilterFactory getSynonymFilter() {
        throw new IllegalArgumentException("Token filter [" + name + "] cannot be used to parse synonyms");
    }

    @Override
    public TokenFilterFactory getChainAwareTokenFilterFactory(
        IndexService.IndexCreationContext context,
        TokenizerFactory tokenizer,
        List<CharFilterFactory> charFilters,
        List<TokenFilterFactory> previousTokenFilters,
        Function<String, TokenFilterFactory> allFilters
    ) {
        List<Function<TokenStream, TokenStream>> resolved = new ArrayList<>();
        if (preserveOriginal) {
            resolved.add(Function.identity());
        }
        for (String branch : branches) {
            List<String> names = Arrays.stream(branch.split(",")).map(String::trim).filter(s -> s.isEmpty() == false).toList();
            List<TokenFilterFactory> upstream = new ArrayList<>(previousTokenFilters);
            List<TokenFilterFactory> chain = new ArrayList<>();
            for (String filterName : names) {
                TokenFilterFactory f = allFilters.apply(filterName);
                if (f == null) {
                    throw new IllegalArgumentException(
                        "Multiplexing filter [" + name + "] refers to undefined tokenfilter [" + filterName + "]"
                    );
                }
                f = f.getChainAwareTokenFilterFactory(context, tokenizer, charFilters, upstream, allFilters);
                chain.add(f);
                upstream.add(f);
            }
            resolved.add(ts -> {
                for (TokenFilterFactory f : chain) {
                    ts = f.create(ts);
                }
                return ts;
            });
        }
        String factoryName = name;
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return factoryName;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return new RemoveDuplicatesTokenFilter(new Branches(tokenStream, resolved));
            }

            @Override
            public TokenFilterFactory getSynonymFilter() {
                throw new IllegalArgumentException("Token filter [" + factoryName + "] cannot be used to parse synonyms");
            }
        };
    }

    /**
     * Emits each input token once per branch (copies at position increment 0); branch i is applied
     * by a ConditionalTokenFilter that only fires while copy number i is flowing through.
     */
    private static final class Branches extends TokenFilter {
        private final TokenStream output;
        private final int count;
        private int current;

        Branches(TokenStream input, List<Function<TokenStream, TokenStream>> branches) {
            super(input);
            this.count = branches.size();
            this.current = count - 1;
            TokenStream stream = new Repeater(input);
            for (int i = 0; i < count; i++) {
                int branch = i;
                stream = new ConditionalTokenFilter(stream, branches.get(i)) {
                    @Override
                    protected boolean shouldFilter() {
                        return current == branch;
                    }
                };
            }
            this.output = stream;
        }

        @Override
        public boolean incrementToken() throws IOException {
            return output.incrementToken();
        }

        @Override
        public void reset() throws IOException {
            output.reset();
        }

        @Override
        public void end() throws IOException {
            output.end();
        }

        @Override
        public void close() throws IOException {
            output.close();
        }

        /** Replays the last input token until every branch has had a copy. */
        private final class Repeater extends TokenFilter {
            private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
            private State token;

            Repeater(TokenStream input) {
                super(input);
            }

            @Override
            public boolean incrementToken() throws IOException {
                if (current < count - 1) {
                    restoreState(token);
                    posInc.setPositionIncrement(0);
                    current++;
                    return true;
                }
                if (input.incrementToken() == false) {
                    return false;
                }
                current = 0;
                token = captureState();
                return true;
            }

            @Override
            public void reset() throws IOException {
                super.reset();
                current = count - 1;
                token = null;
            }
        }
    }
}

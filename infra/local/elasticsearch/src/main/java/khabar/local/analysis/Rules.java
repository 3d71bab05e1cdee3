package khabar.local.analysis;

import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.miscellaneous.StemmerOverrideFilter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the rule syntaxes of the {@code mapping} char filter and {@code stemmer_override}. */
final class Rules {
    private Rules() {}

    private static final Pattern MAPPING = Pattern.compile("(.*)\\s*=>\\s*(.*)\\s*$");

    /** {@code "a => b"} lines; both sides may use \\uXXXX, \\n, \\t, \\r, \\b, \\f and \\\\ escapes; b may be empty. */
    static NormalizeCharMap mappings(List<String> rules) {
        NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
        for (String rule : rules) {
            Matcher m = MAPPING.matcher(rule);
            if (m.find() == false) {
                throw new IllegalArgumentException("Invalid Mapping Rule : [" + rule + "]");
            }
            String from = unescape(m.group(1).trim());
            String to = unescape(m.group(2).trim());
            if (from.isEmpty()) {
                throw new IllegalArgumentException("Invalid Mapping Rule : [" + rule + "]. Illegal mapping.");
            }
            builder.add(from, to);
        }
        return builder.build();
    }

    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new IllegalArgumentException("Invalid escaped char in [" + s + "]");
            }
            char e = s.charAt(i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (i + 4 >= s.length()) {
                        throw new IllegalArgumentException("Invalid escaped char in [" + s + "]");
                    }
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(e); // \\ and any other escaped char stand for themselves
            }
        }
        return out.toString();
    }

    /** {@code "w1, w2 => stem"} lines: each word on the left is stemmed to the single word on the right. */
    static StemmerOverrideFilter.StemmerOverrideMap stemmerOverrides(List<String> rules) {
        StemmerOverrideFilter.Builder builder = new StemmerOverrideFilter.Builder(false);
        for (String rule : rules) {
            String[] sides = rule.split("=>", -1);
            if (sides.length != 2) {
                throw new IllegalArgumentException("Invalid Keyword override Rule:" + rule);
            }
            String stem = sides[1].trim();
            if (stem.isEmpty() || stem.indexOf(',') >= 0) {
                throw new IllegalArgumentException("Invalid Keyword override Rule:" + rule);
            }
            for (String word : sides[0].split(",", -1)) {
                String w = word.trim();
                if (w.isEmpty()) {
                    throw new IllegalArgumentException("Invalid Keyword override Rule:" + rule);
                }
                builder.add(w, stem);
            }
        }
        try {
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.donuttracing.collector.processing;

import io.donuttracing.collector.config.BadSettingException;
import io.donuttracing.collector.model.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The agent's {@code ignore_resources} ({@code DD_APM_IGNORE_RESOURCES}): a trace whose root span's resource
 * matches one of these regular expressions is dropped as it arrives, before stats, sampling and the store,
 * as the agent's {@code Blacklister} does (datadog-agent {@code pkg/trace/filters}). The usual use is
 * health checks: {@code DD_APM_IGNORE_RESOURCES='GET /ping$'}.
 *
 * <p>A match is anywhere in the resource (Go's {@code MatchString}, Java's {@code find()}): anchor the
 * expression with {@code ^} and {@code $} to match the whole of it.
 */
public final class IgnoredResources {
    public static final IgnoredResources NONE = new IgnoredResources(List.of());

    private final List<Pattern> patterns;

    private IgnoredResources(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    /**
     * Reads the variable as the agent does: comma-separated expressions, each optionally in double quotes so
     * that it may hold a comma ({@code "GET /ping$","^GET /a{1,2}$"}); spaces before an expression are
     * skipped. Empty expressions are left out: the agent would compile one that matches every trace, so that
     * a trailing comma would drop them all.
     *
     * @throws BadSettingException naming the expression that is not a valid regular expression; unlike the
     *     agent, which logs it and starts without it: a health-check rule that silently does nothing is
     *     harder to find than a collector that says what is wrong
     */
    public static IgnoredResources parse(String csv) {
        List<Pattern> patterns = new ArrayList<>();
        for (String expr : splitCsv(csv == null ? "" : csv)) {
            if (expr.isEmpty()) {
                continue;
            }
            try {
                patterns.add(Pattern.compile(expr));
            } catch (PatternSyntaxException e) {
                throw new BadSettingException("DD_APM_IGNORE_RESOURCES",
                        "\"" + expr + "\" is not a regular expression: " + e.getDescription(), e);
            }
        }
        return new IgnoredResources(List.copyOf(patterns));
    }

    /**
     * One CSV record, as Go's {@code encoding/csv} reads it with {@code TrimLeadingSpace} and {@code LazyQuotes}:
     * fields end at a comma, the record at a line break ({@code \n}, {@code \r\n}, or a {@code \r} at the end,
     * as a YAML block or a Windows env file leaves), and what follows it is not read.
     */
    static List<String> splitCsv(String s) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && s.charAt(i) != '\n' && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder field = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                // quoted: up to the quote before a comma, a line break or the end; "" is a quote
                i++;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c != '"') {
                        field.append(c);
                    } else if (i < n && s.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else if (i >= n || endsField(s, i)) {
                        break;
                    } else {
                        field.append(c); // a lazy quote in the middle
                    }
                }
            }
            while (i < n && !endsField(s, i)) {
                field.append(s.charAt(i++));
            }
            fields.add(field.toString());
            if (i >= n || s.charAt(i) != ',') {
                return fields;
            }
            i++;
        }
    }

    /** A comma or a line break. */
    private static boolean endsField(String s, int i) {
        char c = s.charAt(i);
        return c == ',' || c == '\n' || c == '\r' && (i + 1 == s.length() || s.charAt(i + 1) == '\n');
    }

    /** Whether the (normalised) chunk's root has a resource that one of the expressions matches. */
    public boolean ignores(Span[] chunk) {
        if (patterns.isEmpty()) {
            return false;
        }
        String resource = Sampler.root(chunk).resource; // normalised: never null, never empty
        for (Pattern p : patterns) {
            if (BoundedFind.find(p, resource, false)) {
                return true;
            }
        }
        return false;
    }

    /** The expressions, as {@code /info} lists them. */
    public List<String> expressions() {
        return patterns.stream().map(Pattern::pattern).toList();
    }
}

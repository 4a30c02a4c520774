package io.donuttracing.collector.processing;

import io.donuttracing.collector.config.BadSettingException;
import io.donuttracing.collector.model.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent's {@code filter_tags} and {@code filter_tags_regex}: a trace is dropped as it arrives, like an
 * ignored resource, when its root span has a string tag a {@code reject} rule names, or lacks one a
 * {@code require} rule names (datadog-agent {@code pkg/trace/agent/agent.go}, {@code filteredByTags}).
 *
 * <p>A rule is {@code key} (the tag is there, any value) or {@code key:value}: an exact value in
 * {@code DD_APM_FILTER_TAGS_REQUIRE} / {@code _REJECT}, a regular expression found anywhere in the value in
 * {@code DD_APM_FILTER_TAGS_REGEX_REQUIRE} / {@code _REJECT}. The key is always exact.
 */
public final class FilterTags {
    public static final FilterTags NONE = new FilterTags(List.of(), List.of(), List.of(), List.of());

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One rule: the key, and either an exact value ("" for any) or an expression (null for any). */
    private record Rule(String key, String value, Pattern pattern) {
        /** @param undecided the answer when an expression is stopped before it decides (see {@link BoundedFind}) */
        boolean matches(Span root, boolean undecided) {
            String v = root.meta(key);
            if (v == null) {
                return false;
            }
            return pattern != null ? BoundedFind.find(pattern, v, undecided) : value.isEmpty() || value.equals(v);
        }

        /** As the agent's {@code /info} lists it. */
        String listed() {
            String v = pattern != null ? pattern.pattern() : value;
            return v.isEmpty() ? key : key + ":" + v;
        }
    }

    private final List<Rule> require;
    private final List<Rule> reject;
    private final List<Rule> requireRegex;
    private final List<Rule> rejectRegex;

    private FilterTags(List<Rule> require, List<Rule> reject, List<Rule> requireRegex, List<Rule> rejectRegex) {
        this.require = require;
        this.reject = reject;
        this.requireRegex = requireRegex;
        this.rejectRegex = rejectRegex;
    }

    /**
     * Reads the four variables as the agent does: each a JSON array of strings if it starts with {@code [},
     * else rules separated by spaces ({@code "env:staging http.route:/ping"}); around a rule's key and value
     * spaces are trimmed. As in the agent, a regular-expression rule whose key an exact rule of the same kind
     * already names is left out. Unlike the agent, empty rules (two spaces in a row) are left out, since
     * the agent's empty {@code require} rule would drop every trace, and a value that does not parse stops the
     * collector with the variable named, where the agent logs it and goes on without the rule.
     */
    public static FilterTags parse(String require, String reject, String requireRegex, String rejectRegex) {
        List<Rule> req = rules("DD_APM_FILTER_TAGS_REQUIRE", require, false);
        List<Rule> rej = rules("DD_APM_FILTER_TAGS_REJECT", reject, false);
        List<Rule> reqRe = withoutKeysOf(req, rules("DD_APM_FILTER_TAGS_REGEX_REQUIRE", requireRegex, true));
        List<Rule> rejRe = withoutKeysOf(rej, rules("DD_APM_FILTER_TAGS_REGEX_REJECT", rejectRegex, true));
        return new FilterTags(req, rej, reqRe, rejRe);
    }

    private static List<Rule> rules(String variable, String text, boolean regex) {
        List<Rule> rules = new ArrayList<>();
        for (String entry : entries(variable, text == null ? "" : text)) {
            int colon = entry.indexOf(':');
            String key = (colon < 0 ? entry : entry.substring(0, colon)).trim();
            String value = colon < 0 ? "" : entry.substring(colon + 1).trim();
            if (key.isEmpty() && value.isEmpty()) {
                continue;
            }
            if (!regex || colon < 0) {
                rules.add(new Rule(key, value, null));
                continue;
            }
            try {
                rules.add(new Rule(key, "", Pattern.compile(value)));
            } catch (PatternSyntaxException e) {
                throw new BadSettingException(variable,
                        "\"" + value + "\" (in \"" + entry + "\") is not a regular expression: " + e.getDescription(), e);
            }
        }
        return List.copyOf(rules);
    }

    private static List<String> entries(String variable, String text) {
        if (!text.startsWith("[")) {
            return List.of(text.split(" "));
        }
        try {
            return List.of(JSON.readValue(text, String[].class));
        } catch (JacksonException | NullPointerException e) { // NPE: a null in the array
            throw new BadSettingException(variable, "starts with [ but is not a JSON array of strings: " + text, e);
        }
    }

    private static List<Rule> withoutKeysOf(List<Rule> exact, List<Rule> regex) {
        return regex.stream().filter(r -> exact.stream().noneMatch(e -> e.key.equals(r.key))).toList();
    }

    public boolean isEmpty() {
        return require.isEmpty() && reject.isEmpty() && requireRegex.isEmpty() && rejectRegex.isEmpty();
    }

    /** Whether the (normalised) chunk's root has a tag a reject rule names, or lacks one a require rule names. */
    public boolean rejects(Span[] chunk) {
        if (isEmpty()) {
            return false;
        }
        Span root = Sampler.root(chunk);
        // an undecided expression keeps the trace: no match for a reject rule, a match for a require rule
        return reject.stream().anyMatch(r -> r.matches(root, false))
                || rejectRegex.stream().anyMatch(r -> r.matches(root, false))
                || !require.stream().allMatch(r -> r.matches(root, true))
                || !requireRegex.stream().allMatch(r -> r.matches(root, true));
    }

    /** The rules as {@code /info} lists them, under {@code filter_tags}: {@code require} and {@code reject}. */
    public List<String> require() {
        return listed(require);
    }

    public List<String> reject() {
        return listed(reject);
    }

    /** The same, under {@code filter_tags_regex}. */
    public List<String> requireRegex() {
        return listed(requireRegex);
    }

    public List<String> rejectRegex() {
        return listed(rejectRegex);
    }

    private static List<String> listed(List<Rule> rules) {
        return rules.stream().map(Rule::listed).toList();
    }
}

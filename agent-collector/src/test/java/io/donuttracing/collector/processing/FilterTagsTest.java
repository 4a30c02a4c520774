package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.donuttracing.collector.model.Span;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code DD_APM_FILTER_TAGS_*}, read and matched as the agent does. */
class FilterTagsTest {

    private static Span span(long id, long parent, String... meta) {
        Span s = new Span();
        s.traceId = 1;
        s.spanId = id;
        s.parentId = parent;
        for (int i = 0; i < meta.length; i += 2) {
            s.putMeta(meta[i], meta[i + 1]);
        }
        return s;
    }

    private static boolean rejects(FilterTags filter, String... rootMeta) {
        return filter.rejects(new Span[] {span(1, 0, rootMeta)});
    }

    @Test
    void eachVariableIsAJsonArrayOrRulesSeparatedBySpaces() {
        FilterTags f = FilterTags.parse("env:prod  team", "[\"http.route:/ping\", \"debug\"]", "", null);
        assertThat(f.require()).containsExactly("env:prod", "team");
        assertThat(f.reject()).containsExactly("http.route:/ping", "debug");
        // spaces around a key and its value are trimmed; "key:" is any value, as "key"
        assertThat(FilterTags.parse("[\" env : prod \", \"team:\"]", "", "", "").require())
                .containsExactly("env:prod", "team");
        assertThat(FilterTags.parse("", "", "", "").isEmpty()).isTrue();
        assertThat(FilterTags.parse(null, null, null, null).isEmpty()).isTrue();
    }

    @Test
    void aRegularExpressionRuleIsLeftOutWhenAnExactRuleOfItsKindNamesTheKey() {
        FilterTags f = FilterTags.parse("env:prod", "", "env:^prod-.* service:^api-", "http.url:/ping$ http.url");
        assertThat(f.requireRegex()).containsExactly("service:^api-");
        assertThat(f.rejectRegex()).as("an exact require rule does not touch reject rules")
                .containsExactly("http.url:/ping$", "http.url");
        FilterTags rejecting = FilterTags.parse("", "http.url:/ping", "http.url:^/", "http.url:/ping$ env:^dev");
        assertThat(rejecting.rejectRegex()).containsExactly("env:^dev");
        assertThat(rejecting.requireRegex()).containsExactly("http.url:^/");
    }

    @Test
    void anExpressionThatBacktracksForMinutesStopsAtItsBudgetAndCountsAsNoMatch() {
        // Go's engine, the agent's, takes linear time on this rule; without the budget Java's took minutes
        String url = "http://127.0.0.1:5000/" + "a".repeat(40) + "!";
        FilterTags costly = FilterTags.parse("", "", "", "http.url:^(.*a){15}$");
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rejects(costly, "http.url", url))).isFalse();
        FilterTags costlyRequired = FilterTags.parse("", "", "http.url:^(.*a){15}", "");
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rejects(costlyRequired, "http.url", url)))
                .as("undecided keeps the trace, whether the rule rejects or requires").isFalse();
        IgnoredResources ignored = IgnoredResources.parse("^(.*a){15}$");
        Span root = span(1, 0);
        root.resource = url;
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> ignored.ignores(new Span[] {root}))).isFalse();
        // an ordinary rule on a long value is well inside the budget
        assertThat(rejects(FilterTags.parse("", "", "", "http.url:/ping$"), "http.url", "x".repeat(10_000) + "/ping"))
                .isTrue();
    }

    @Test
    void aValueThatDoesNotParseIsNamedInTheError() {
        assertThatThrownBy(() -> FilterTags.parse("", "", "", "http.url:/(ping"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("DD_APM_FILTER_TAGS_REGEX_REJECT: \"/(ping\" (in \"http.url:/(ping\") is not a"
                        + " regular expression");
        assertThatThrownBy(() -> FilterTags.parse("[env:prod]", "", "", ""))
                .hasMessageStartingWith("DD_APM_FILTER_TAGS_REQUIRE: starts with [ but is not a JSON array of strings");
        assertThatThrownBy(() -> FilterTags.parse("", "[\"a\", null]", "", ""))
                .hasMessageStartingWith("DD_APM_FILTER_TAGS_REJECT: starts with [");
    }

    @Test
    void rejectDropsATraceWhoseRootHasTheTagAndRequireOneWhoseRootLacksIt() {
        FilterTags reject = FilterTags.parse("", "http.route:/ping debug", "", "");
        assertThat(rejects(reject, "http.route", "/ping")).isTrue();
        assertThat(rejects(reject, "http.route", "/pair/beer")).isFalse();
        assertThat(rejects(reject, "debug", "anything")).as("a key alone: any value").isTrue();
        assertThat(rejects(reject)).isFalse();

        FilterTags require = FilterTags.parse("env:prod team", "", "", "");
        assertThat(rejects(require, "env", "prod", "team", "donuts")).isFalse();
        assertThat(rejects(require, "env", "prod")).as("every require rule must hold").isTrue();
        assertThat(rejects(require, "env", "staging", "team", "donuts")).isTrue();

        FilterTags regex = FilterTags.parse("", "", "service.version:^1\\.", "http.url:/ping$");
        assertThat(rejects(regex, "service.version", "1.4", "http.url", "http://x/ping")).isTrue();
        assertThat(rejects(regex, "service.version", "1.4", "http.url", "http://x/pings")).isFalse();
        assertThat(rejects(regex, "service.version", "21.4")).as("found anywhere, so anchored here").isTrue();
        assertThat(rejects(regex, "http.url", "http://x/")).as("required key missing").isTrue();
    }

    @Test
    void onlyTheRootsTagsCount() {
        FilterTags f = FilterTags.parse("", "http.route:/ping", "", "");
        assertThat(f.rejects(new Span[] {span(2, 1, "http.route", "/ping"), span(1, 0, "http.route", "/beers")}))
                .isFalse();
        assertThat(f.rejects(new Span[] {span(9, 7, "http.route", "/ping"), span(10, 9)}))
                .as("a chunk continued from a caller: its root is the span whose parent is elsewhere").isTrue();
        assertThat(FilterTags.NONE.rejects(new Span[] {span(1, 0, "http.route", "/ping")})).isFalse();
    }
}

package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.collector.model.Span;
import org.junit.jupiter.api.Test;

/** {@code DD_APM_IGNORE_RESOURCES}, read and matched as the agent does. */
class IgnoredResourcesTest {

    private static Span span(long id, long parent, String resource) {
        Span s = new Span();
        s.traceId = 1;
        s.spanId = id;
        s.parentId = parent;
        s.resource = resource;
        return s;
    }

    @Test
    void theVariableIsReadAsTheAgentsDocumentationWritesIt() {
        // the forms of Datadog's "Ignoring unwanted resources" guide: quoted, and plain with spaces after commas
        assertThat(IgnoredResources.parse("\"value1\",\"Api::HealthchecksController#index$\"").expressions())
                .containsExactly("value1", "Api::HealthchecksController#index$");
        assertThat(IgnoredResources.parse("value1, Api::HealthchecksController#index$").expressions())
                .containsExactly("value1", "Api::HealthchecksController#index$");
        // quotes keep a comma inside an expression; "" is a quote; empty expressions are left out
        assertThat(IgnoredResources.parse("\"^GET /a{1,2}$\",,\"say \"\"hi\"\"\",").expressions())
                .containsExactly("^GET /a{1,2}$", "say \"hi\"");
        // the record ends at a line break, as a YAML block or a Windows env file leaves one
        assertThat(IgnoredResources.parse("^GET /ping$\n").expressions()).containsExactly("^GET /ping$");
        assertThat(IgnoredResources.parse("\"x\"\r\n").expressions()).containsExactly("x");
        assertThat(IgnoredResources.parse("a, b\r").expressions()).containsExactly("a", "b");
        assertThat(IgnoredResources.parse("a\nb").expressions()).containsExactly("a");
        assertThat(IgnoredResources.parse("").expressions()).isEmpty();
        assertThat(IgnoredResources.parse(null).expressions()).isEmpty();
    }

    @Test
    void anExpressionThatIsNotARegularExpressionIsNamedInTheError() {
        assertThatThrownBy(() -> IgnoredResources.parse("GET /ping$, GET /(unclosed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("DD_APM_IGNORE_RESOURCES: \"GET /(unclosed\" is not a regular expression");
    }

    @Test
    void theRootsResourceDecidesAndAMatchMayBeAnywhereInIt() {
        IgnoredResources ignored = IgnoredResources.parse("GET /ping$");
        assertThat(ignored.ignores(new Span[] {span(1, 0, "GET /ping")})).isTrue();
        assertThat(ignored.ignores(new Span[] {span(1, 0, "HEAD GET /ping")})).as("not anchored at the start").isTrue();
        assertThat(ignored.ignores(new Span[] {span(1, 0, "GET /pings")})).isFalse();
        // a child's resource does not count, only the root's: the span whose parent is not in the chunk
        assertThat(ignored.ignores(new Span[] {span(2, 1, "SELECT 1"), span(1, 0, "GET /pair/beer"),
                span(3, 1, "GET /ping")})).isFalse();
        assertThat(ignored.ignores(new Span[] {span(9, 7, "GET /ping"), span(10, 9, "redis")})).isTrue();
        assertThat(IgnoredResources.NONE.ignores(new Span[] {span(1, 0, "GET /ping")})).isFalse();
    }
}

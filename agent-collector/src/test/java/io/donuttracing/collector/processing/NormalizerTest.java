package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.model.Span;
import org.junit.jupiter.api.Test;

/** The reference file's normalisation rules. */
class NormalizerTest {
    private static final long NOW = 1_750_000_000_000_000_000L;
    private final Normalizer n = new Normalizer();

    private static Span span(long trace, long id) {
        Span s = new Span();
        s.traceId = trace;
        s.spanId = id;
        s.start = NOW - 1_000_000;
        s.duration = 1000;
        s.service = "svc";
        s.name = "op";
        return s;
    }

    @Test
    void dropsChunksWithZeroIdsOrForeignSpans() {
        assertThat(n.normalize(new Span[0], "", NOW)).isEqualTo(Normalizer.Drop.EMPTY_TRACE);
        assertThat(n.normalize(new Span[] {span(0, 1)}, "", NOW)).isEqualTo(Normalizer.Drop.TRACE_ID_ZERO);
        assertThat(n.normalize(new Span[] {span(1, 0)}, "", NOW)).isEqualTo(Normalizer.Drop.SPAN_ID_ZERO);
        assertThat(n.normalize(new Span[] {span(1, 1), span(2, 2)}, "", NOW)).isEqualTo(Normalizer.Drop.FOREIGN_SPAN);
        assertThat(n.normalize(new Span[] {span(1, 1), span(1, 2)}, "", NOW)).isNull();
    }

    @Test
    void service() {
        Span s = span(1, 1);
        s.service = "";
        n.normalize(s, "java", NOW);
        assertThat(s.service).isEqualTo("unnamed-java-service");
        s.service = "";
        n.normalize(s, "", NOW);
        assertThat(s.service).isEqualTo("unnamed-service");
        s.service = "My Service!!";
        n.normalize(s, "", NOW);
        assertThat(s.service).isEqualTo("my_service");
        s.service = "x".repeat(150);
        n.normalize(s, "", NOW);
        assertThat(s.service).hasSize(100);
        s.service = "matchmaker";
        n.normalize(s, "", NOW);
        assertThat(s.service).isEqualTo("matchmaker");
    }

    /**
     * The agent normalises a service as a tag value ({@code NormalizeTagValue}), which may start with a digit or
     * an underscore: the cases of datadog-agent {@code traceutil/normalize/normalize_test.go}'s {@code svcNormCases}.
     */
    @Test
    void serviceIsNormalisedAsATagValue() {
        String[][] cases = {
            {"127.0.0.1", "127.0.0.1"},
            {"127.site.platform-db-replica1", "127.site.platform-db-replica1"},
            {"hyphenated-service-name", "hyphenated-service-name"},
            {"\uD83D\uDC28animal-db\uD83D\uDC36", "_animal-db"},
            {"\uD83D\uDC281animal-db\uD83D\uDC36", "_1animal-db"},
            {"1\uD83D\uDC281animal-db\uD83D\uDC36", "1_1animal-db"},
            {"Too$Long$.".repeat(11), "too_long_.".repeat(10)},
            {"bad$service", "bad_service"},
            {"_foo", "_foo"},
            {"2fa-Service", "2fa-service"},
            {"fun:ky__tag/1", "fun:ky_tag/1"},
            {"test\uFFFD\uFFFDaaa", "test_aaa"},
        };
        for (String[] c : cases) {
            Span s = span(1, 1);
            s.service = c[0];
            n.normalize(s, "java", NOW);
            assertThat(s.service).as(c[0]).isEqualTo(c[1]);
        }
    }

    /** As the agent's {@code normalize}: a span whose parent, trace and span ids are one id is a root. */
    @Test
    void aSpanThatIsItsOwnParentBecomesARoot() {
        Span s = span(7, 7);
        s.parentId = 7;
        n.normalize(s, "", NOW);
        assertThat(s.parentId).isZero();
        Span child = span(7, 8);
        child.parentId = 8; // its own parent, but not the trace's id: left as sent, as the agent does
        n.normalize(child, "", NOW);
        assertThat(child.parentId).isEqualTo(8);
    }

    /** As the agent's {@code normalize}: the {@code env} tag is normalised as a tag value, so Prod and prod are one env. */
    @Test
    void theEnvTagIsNormalisedAsATagValue() {
        Span s = span(1, 1);
        s.meta = new String[] {"env", "Staging Env", "other", "Kept As Sent"};
        n.normalize(s, "", NOW);
        assertThat(s.meta("env")).isEqualTo("staging_env");
        assertThat(s.meta("other")).isEqualTo("Kept As Sent");
        assertThat(Sampler.rateKey(s)).isEqualTo("service:svc,env:staging_env");
        // the agent reads 200 characters of a tag value, and lowers upper case only (not the title-case ǅ)
        s.meta = new String[] {"env", "E".repeat(300)};
        n.normalize(s, "", NOW);
        assertThat(s.meta("env")).isEqualTo("e".repeat(200));
        s.meta = new String[] {"env", "ǅA"};
        n.normalize(s, "", NOW);
        assertThat(s.meta("env")).isEqualTo("ǅa");
    }

    @Test
    void name() {
        Span s = span(1, 1);
        s.name = "";
        n.normalize(s, "", NOW);
        assertThat(s.name).isEqualTo("unnamed_operation");
        s.name = "servlet request/GET";
        n.normalize(s, "", NOW);
        assertThat(s.name).isEqualTo("servlet_request_GET");
        s.name = "servlet.request";
        n.normalize(s, "", NOW);
        assertThat(s.name).isEqualTo("servlet.request");
        s.name = "a".repeat(150);
        n.normalize(s, "", NOW);
        assertThat(s.name).hasSize(100);
        s.name = "!!!";
        n.normalize(s, "", NOW);
        assertThat(s.name).isEqualTo("unnamed_operation");
    }

    @Test
    void resourceAndType() {
        Span s = span(1, 1);
        s.name = "h2.query";
        s.resource = "";
        n.normalize(s, "", NOW);
        assertThat(s.resource).isEqualTo("h2.query");
        s.resource = "r".repeat(6000);
        s.type = "t".repeat(200);
        n.normalize(s, "", NOW);
        assertThat(s.resource).hasSize(5000);
        assertThat(s.type).hasSize(100);
        // the limits count bytes of UTF-8, as the agent's TruncateUTF8, and never cut a character in two
        s.resource = "é".repeat(3000); // 6000 bytes
        s.type = "a" + "🍩".repeat(30); // 121 bytes: a, then 24 doughnuts fit in 100
        n.normalize(s, "", NOW);
        assertThat(s.resource).isEqualTo("é".repeat(2500));
        assertThat(s.type).isEqualTo("a" + "🍩".repeat(24));
    }

    @Test
    void durationAndStart() {
        Span s = span(1, 1);
        s.duration = -5;
        n.normalize(s, "", NOW);
        assertThat(s.duration).isZero();
        s.start = Long.MAX_VALUE - 10;
        s.duration = 100;
        n.normalize(s, "", NOW);
        assertThat(s.duration).isZero();
        s.start = 42; // before 2000
        s.duration = 500;
        n.normalize(s, "", NOW);
        assertThat(s.start).isEqualTo(NOW - 500);
    }

    @Test
    void metaLimitsAndStatusCode() {
        Span s = span(1, 1);
        s.meta = new String[] {"http.status_code", "abc", "k".repeat(300), "v".repeat(30000)};
        n.normalize(s, "", NOW);
        assertThat(s.meta("http.status_code")).isNull();
        // cut as the agent's truncator cuts tags: in bytes, "..." after the cut; numeric tags' keys too
        assertThat(s.meta[0]).isEqualTo("k".repeat(200) + "...");
        assertThat(s.meta[1]).isEqualTo("v".repeat(25000) + "...");
        s.meta = new String[] {"ключ".repeat(30), "v".repeat(25000)}; // 240 bytes; exactly the limit
        s.metricKeys = new String[] {"m".repeat(201)};
        s.metricValues = new double[] {1};
        n.normalize(s, "", NOW);
        assertThat(s.meta[0]).isEqualTo("ключ".repeat(25) + "...");
        assertThat(s.meta[1]).isEqualTo("v".repeat(25000));
        assertThat(s.metricKeys[0]).isEqualTo("m".repeat(200) + "...");
        // two keys that are one once cut keep one value, the last, as the agent's map would
        s.meta = new String[] {"k".repeat(201), "first", "k".repeat(202), "second"};
        s.metricKeys = new String[] {"m".repeat(201), "m".repeat(202)};
        s.metricValues = new double[] {1, 2};
        n.normalize(s, "", NOW);
        assertThat(s.meta).containsExactly("k".repeat(200) + "...", "second");
        assertThat(s.metricKeys).containsExactly("m".repeat(200) + "...");
        assertThat(s.metricValues).containsExactly(2);
        for (String bad : new String[] {"99", "600", "20x", "-200", "", "+200", " 200", "0", "099",
                "18446744073709551616200"}) {
            s.meta = new String[] {"http.status_code", bad};
            n.normalize(s, "", NOW);
            assertThat(s.meta("http.status_code")).as(bad).isNull();
        }
        // the agent's isValidStatusCode is strconv.ParseUint(sc, 10, 64): leading zeros are read, and the tag kept
        for (String good : new String[] {"404", "0200", "00000000000000000000000000599"}) {
            s.meta = new String[] {"http.status_code", good};
            n.normalize(s, "", NOW);
            assertThat(s.meta("http.status_code")).as(good).isEqualTo(good);
        }
    }
}

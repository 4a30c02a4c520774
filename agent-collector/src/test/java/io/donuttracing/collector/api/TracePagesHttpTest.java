package io.donuttracing.collector.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/traces?before=}: pages of older traces, each saying in {@code next} where the next one starts, until
 * none is left. A collector of its own (another span budget: another Spring context), so that the whole list is this
 * test's, and its traces can be evicted and removed.
 */
@TestPropertySource(properties = "collector.span-budget=4000")
class TracePagesHttpTest extends CollectorTestBase {

    @BeforeEach
    void empty() throws Exception {
        delete();
    }

    @Test
    void pagesOfAThousandListEveryTraceOnceNewestFirstAndSayWhenNoneIsLeft() throws Exception {
        List<Long> sent = sendTraces(2_500, i -> "pages");
        List<Long> newestFirst = new ArrayList<>(sent);
        Collections.reverse(newestFirst);

        List<JsonNode> pages = pages("limit=1000");
        assertThat(pages).extracting(p -> p.get("traces").size()).containsExactly(1000, 1000, 500);
        assertThat(ids(pages)).containsExactlyElementsOf(newestFirst);
        assertThat(pages.get(0).get("next").asString()).isEqualTo(Long.toUnsignedString(newestFirst.get(999)));
        assertThat(pages.get(2).get("next").isNull()).as("the end: next is null").isTrue();

        // a last page that is full says so too, and the first page of a short list
        List<JsonNode> fives = pages("limit=500");
        assertThat(fives).hasSize(5);
        assertThat(ids(fives)).containsExactlyElementsOf(newestFirst);
        assertThat(getJson("/api/traces?limit=1000&before=" + newestFirst.get(1_499)).get("next").isNull()).isTrue();
        assertThat(getJson("/api/traces?limit=1000&before=").get("traces")).as("blank is as absent").hasSize(1000);
    }

    @Test
    void theFiltersApplyOnEveryPage() throws Exception {
        List<Long> sent = sendTraces(900, i -> i % 3 == 0 ? "pages-a" : "pages-b");
        List<Long> wanted = new ArrayList<>();
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (i % 3 == 0 && i % 2 == 0) { // pages-a, and an error (every second trace has one)
                wanted.add(sent.get(i));
            }
        }
        List<JsonNode> pages = pages("service=pages-a&error=true&limit=40");
        assertThat(wanted).hasSize(150);
        assertThat(pages).extracting(p -> p.get("traces").size()).containsExactly(40, 40, 40, 30);
        assertThat(ids(pages)).containsExactlyElementsOf(wanted);
        for (JsonNode page : pages) {
            for (JsonNode t : page.get("traces")) {
                assertThat(t.get("services")).extracting(JsonNode::asString).containsExactly("pages-a");
                assertThat(t.get("error").asInt()).isEqualTo(1);
            }
        }
        // the trace before need not match the filters: it is a place in the list
        long pagesB = sent.get(sent.size() - 2);
        assertThat(getJson("/api/traces?service=pages-a&limit=1000&before=" + pagesB).get("traces"))
                .hasSize(300).first().extracting(t -> t.get("trace_id").asString())
                .isEqualTo(Long.toUnsignedString(sent.get(sent.size() - 3)));
        // and it is read in any form a trace id is: here 32 hex digits
        String hex = String.format("%016x%016x", 0x6b05bf8bL, pagesB);
        assertThat(getJson("/api/traces?service=pages-a&limit=1000&before=" + hex).get("traces")).hasSize(300);
    }

    @Test
    void aTraceNoLongerStoredOrNotATraceIdSaysWhatIsWrongAndWhatToDo() throws Exception {
        List<Long> sent = sendTraces(3_000, i -> "pages-gone");
        String oldest = Long.toUnsignedString(sent.get(0));
        assertThat(getJson("/api/traces?before=" + sent.get(1)).get("traces")).hasSize(1);

        sendTraces(1_500, i -> "pages-gone"); // 4,500 one-span traces in a budget of 4,000: the oldest 500 evicted
        assertNotStored(oldest);
        String unknown = Long.toUnsignedString(newId());
        assertNotStored(unknown);

        String cursor = getJson("/api/traces").get("next").asString();
        assertThat(getJson("/api/traces?before=" + cursor).get("traces")).hasSize(50);
        delete();
        assertNotStored(cursor);

        assertBadRequest("before=abc", "before must be a trace id, got abc: a trace id is an unsigned decimal number or"
                + " 32 hex digits (as in a traceresponse header); give a page's next, or leave before out to start"
                + " again from the newest");
        assertBadRequest("before=18446744073709551616", "before must be a trace id, got 18446744073709551616: the"
                + " trace id does not fit in 64 bits; give a page's next, or leave before out to start again from the"
                + " newest");
        assertBadRequest("before=1&before=2", "before is given 2 times; give it once");
    }

    private void assertNotStored(String before) throws Exception {
        HttpResponse<String> r = get("/api/traces?before=" + before);
        assertThat(r.statusCode()).as(before).isEqualTo(404);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asString()).isEqualTo("not_found");
        assertThat(body.get("detail").asString()).isEqualTo("no trace " + before + " in the store to list older traces"
                + " from (evicted, or removed by DELETE /api/traces); start again from the newest, without before");
    }

    private void assertBadRequest(String query, String detail) throws Exception {
        HttpResponse<String> r = get("/api/traces?" + query);
        assertThat(r.statusCode()).as(query).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asString()).isEqualTo("bad_request");
        assertThat(body.get("detail").asString()).isEqualTo(detail);
    }

    /** Every page of {@code query}, from the newest, following {@code next} until it is null. */
    private List<JsonNode> pages(String query) throws Exception {
        List<JsonNode> pages = new ArrayList<>();
        JsonNode page = getJson("/api/traces?" + query);
        pages.add(page);
        while (!page.get("next").isNull()) {
            assertThat(pages).as("more pages than traces").hasSizeLessThan(100);
            page = getJson("/api/traces?" + query + "&before=" + page.get("next").asString());
            pages.add(page);
        }
        return pages;
    }

    private static List<Long> ids(List<JsonNode> pages) {
        List<Long> ids = new ArrayList<>();
        for (JsonNode page : pages) {
            for (JsonNode t : page.get("traces")) {
                ids.add(Long.parseUnsignedLong(t.get("trace_id").asString()));
            }
        }
        return ids;
    }

    /**
     * {@code n} one-span traces, the service of the i-th {@code service(i)}, every second one with an error, in
     * payloads of 500; kept whatever the sampler's rate (priority 1). Their ids in the order sent.
     */
    private List<Long> sendTraces(int n, IntFunction<String> service) throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<Long> ids = new ArrayList<>();
        List<List<S>> payload = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long id = newId();
            ids.add(id);
            payload.add(List.of(new S(id, 1, 0).service(service.apply(i)).resource("GET /pages/" + i).start(now)
                    .duration(1_000_000).error(i % 2 == 0 ? 1 : 0).metric("_sampling_priority_v1", 1)));
            if (payload.size() == 500 || i == n - 1) {
                assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(payload)).statusCode())
                        .isEqualTo(200);
                payload.clear();
            }
        }
        return ids;
    }

    private void delete() throws Exception {
        assertThat(HTTP.send(HttpRequest.newBuilder(uri("/api/traces")).timeout(Duration.ofSeconds(20)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }
}

package io.donuttracing.collector.store;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.model.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class TraceStoreTest {
    private static final java.util.concurrent.atomic.AtomicLong SPAN_IDS = new java.util.concurrent.atomic.AtomicLong();

    /** A piece of {@code spans} spans, each with an id no other piece has. */
    private static Span[] chunk(long traceId, int spans) {
        Span[] out = new Span[spans];
        for (int i = 0; i < spans; i++) {
            out[i] = new Span();
            out[i].traceId = traceId;
            out[i].spanId = SPAN_IDS.incrementAndGet();
        }
        return out;
    }

    @Test
    void evictsTheOldestTracesAtTheBudgetAndCounts() {
        TraceStore store = new TraceStore(100);
        for (long t = 1; t <= 30; t++) {
            store.add(List.<Span[]>of(chunk(t, 10)));
        }
        TraceStore.Counters c = store.counters();
        assertThat(c.spans()).isEqualTo(100);
        assertThat(c.traces()).isEqualTo(10);
        assertThat(c.tracesEvicted()).isEqualTo(20);
        assertThat(c.spansEvicted()).isEqualTo(200);
        assertThat(store.get(20)).isNull();
        assertThat(store.get(21)).isNotNull();
        assertThat(store.page(null, s -> true, 3).traces()).extracting(TraceStore.StoredTrace::traceId).containsExactly(30L, 29L, 28L);
    }

    @Test
    void clearRemovesEveryTraceCountsThemAndTheBudgetStartsAgain() {
        TraceStore store = new TraceStore(100);
        for (long t = 1; t <= 12; t++) {
            store.add(List.<Span[]>of(chunk(t, 10))); // two evicted
        }
        TraceStore.Removed removed = store.clear();
        assertThat(removed).isEqualTo(new TraceStore.Removed(10, 100));
        assertThat(store.get(12)).isNull();
        assertThat(store.page(null, s -> true, 50).traces()).isEmpty();

        for (long t = 13; t <= 22; t++) {
            store.add(List.<Span[]>of(chunk(t, 10))); // the whole budget again, nothing evicted
        }
        TraceStore.Counters c = store.counters();
        assertThat(c.traces()).isEqualTo(10);
        assertThat(c.spans()).isEqualTo(100);
        assertThat(c.tracesEvicted()).isEqualTo(2);
        assertThat(c.tracesRemoved()).isEqualTo(10);
        assertThat(c.spansRemoved()).isEqualTo(100);
        assertThat(store.page(null, s -> true, 50).traces()).extracting(TraceStore.StoredTrace::traceId).startsWith(22L, 21L).endsWith(13L);
    }

    @Test
    void joinsPiecesAndAJoinedTraceBecomesTheNewest() {
        TraceStore store = new TraceStore(25);
        store.add(List.<Span[]>of(chunk(1, 5)));
        store.add(List.<Span[]>of(chunk(2, 5)));
        store.add(List.<Span[]>of(chunk(1, 5))); // a second piece of trace 1
        assertThat(store.get(1).spans()).hasSize(10);
        assertThat(store.counters().piecesJoined()).isEqualTo(1);
        store.add(List.<Span[]>of(chunk(3, 12))); // 27 > 25: trace 2 (oldest now) goes, not trace 1
        assertThat(store.get(2)).isNull();
        assertThat(store.get(1)).isNotNull();
        assertThat(store.counters().spans()).isEqualTo(22);
    }

    private static List<Long> ids(TraceStore.Page page) {
        return page.traces().stream().map(TraceStore.StoredTrace::traceId).toList();
    }

    /**
     * The chunks of one trace in one payload are joined before they are stored, once: one by one, each gathered
     * the trace's span ids again and copied its spans, and a payload of 40,000 one-span chunks of one trace (1.6 MB
     * in v0.5) held the store's lock, every other payload and query with it, for over half a minute.
     */
    @Test
    void piecesOfOneTraceInOnePayloadAreJoinedAndTheTraceTakesItsLastPiecesPlace() {
        List<Span[]> pieces = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            pieces.add(chunk(7, 1));
        }
        pieces.add(chunk(8, 2));
        pieces.add(chunk(9, 1));
        pieces.add(chunk(7, 1)); // trace 7's last chunk: it is the newest
        TraceStore store = new TraceStore(100_000);
        store.add(pieces);
        assertThat(store.get(7).spans()).hasSize(1_001);
        assertThat(store.page(null, s -> true, 3).traces()).extracting(TraceStore.StoredTrace::traceId)
                .containsExactly(7L, 9L, 8L);
        TraceStore.Counters c = store.counters();
        assertThat(c.spans()).isEqualTo(1_004);
        assertThat(c.traces()).isEqualTo(3);
        assertThat(c.piecesJoined()).isEqualTo(1_000);
    }

    @Test
    void pagesGoOnFromTheTraceBeforeAndSayWhetherAnOlderOneMatches() {
        TraceStore store = new TraceStore(100);
        for (long t = 1; t <= 10; t++) {
            store.add(List.<Span[]>of(chunk(t, 1)));
        }
        TraceStore.Page first = store.page(null, s -> true, 4);
        assertThat(ids(first)).containsExactly(10L, 9L, 8L, 7L);
        assertThat(first.older()).isTrue();
        TraceStore.Page second = store.page(7L, s -> true, 4);
        assertThat(ids(second)).containsExactly(6L, 5L, 4L, 3L);
        assertThat(second.older()).isTrue();
        TraceStore.Page last = store.page(3L, s -> true, 4);
        assertThat(ids(last)).containsExactly(2L, 1L);
        assertThat(last.older()).isFalse();
        assertThat(store.page(5L, s -> true, 4).older()).as("a page that takes the last four exactly").isFalse();
        assertThat(ids(store.page(1L, s -> true, 4))).isEmpty();

        // a filter applies on every page; the trace before need not match it
        Predicate<Span[]> even = s -> s[0].traceId % 2 == 0;
        assertThat(ids(store.page(null, even, 2))).containsExactly(10L, 8L);
        assertThat(ids(store.page(8L, even, 2))).containsExactly(6L, 4L);
        assertThat(store.page(4L, even, 2).older()).isFalse();
        assertThat(ids(store.page(7L, even, 10))).containsExactly(6L, 4L, 2L);
    }

    @Test
    void aPageFromATraceNoLongerStoredIsNull() {
        TraceStore store = new TraceStore(10);
        for (long t = 1; t <= 12; t++) {
            store.add(List.<Span[]>of(chunk(t, 1))); // 1 and 2 evicted
        }
        assertThat(store.page(2L, s -> true, 5)).isNull();
        assertThat(store.page(99L, s -> true, 5)).as("never stored").isNull();
        assertThat(store.page(3L, s -> true, 5).traces()).isEmpty();
        store.clear();
        assertThat(store.page(12L, s -> true, 5)).isNull();
    }

    /** The walk starts at the trace before, found by its id: it never passes the newer traces. */
    @Test
    void aPageWalksFromItsTraceNotFromTheNewest() {
        TraceStore store = new TraceStore(20_000);
        for (long t = 1; t <= 10_000; t++) {
            store.add(List.<Span[]>of(chunk(t, 1)));
        }
        AtomicInteger tested = new AtomicInteger();
        TraceStore.Page page = store.page(20L, s -> tested.incrementAndGet() > 0, 3);
        assertThat(ids(page)).containsExactly(19L, 18L, 17L);
        assertThat(tested).as("three listed, and one that says an older one matches").hasValue(4);
    }

    /** The list's order is that of the last piece: a trace that receives one becomes the newest, on the first page. */
    @Test
    void aTraceThatReceivesAPieceMovesToTheFirstPage() {
        TraceStore store = new TraceStore(100);
        for (long t = 1; t <= 6; t++) {
            store.add(List.<Span[]>of(chunk(t, 1)));
        }
        assertThat(ids(store.page(null, s -> true, 3))).containsExactly(6L, 5L, 4L);
        store.add(List.<Span[]>of(chunk(2, 1)));
        assertThat(ids(store.page(4L, s -> true, 3))).containsExactly(3L, 1L);
        assertThat(ids(store.page(null, s -> true, 3))).containsExactly(2L, 6L, 5L);
    }

    @Test
    void aTraceLargerThanTheBudgetKeepsTheBudgetsWorthAlone() {
        TraceStore store = new TraceStore(10);
        store.add(List.<Span[]>of(chunk(1, 5)));
        store.add(List.<Span[]>of(chunk(2, 50)));
        assertThat(store.get(1)).isNull();
        assertThat(store.get(2).spans()).hasSize(10);
        // pieces that keep coming for that one trace do not grow it past the budget either
        for (int i = 0; i < 9; i++) {
            store.add(List.<Span[]>of(chunk(2, 14)));
        }
        assertThat(store.get(2).spans()).hasSize(10);
        assertThat(store.counters().spans()).isEqualTo(10);
        assertThat(store.counters().spansDroppedTraceFull()).isEqualTo(40 + 9 * 14);
    }

    /** A piece of {@code spans} spans, each with a 20,000-character tag, as a tracer may send them. */
    private static Span[] heavyChunk(long traceId, int spans) {
        Span[] out = chunk(traceId, spans);
        for (Span s : out) {
            s.putMeta("error.stack", "x".repeat(20_000));
        }
        return out;
    }

    @Test
    void spansWithLargeTagsAreEvictedAtTheMemoryBudgetLongBeforeTheSpanBudget() {
        long spanBytes = heavyChunk(0, 1)[0].approximateBytes();
        assertThat(spanBytes).isBetween(20_000L, 21_000L);
        TraceStore store = new TraceStore(100_000, 50 * spanBytes);
        for (long t = 1; t <= 30; t++) {
            store.add(List.<Span[]>of(heavyChunk(t, 10)));
        }
        TraceStore.Counters c = store.counters();
        assertThat(c.spans()).isEqualTo(50);
        assertThat(c.bytes()).isEqualTo(50 * spanBytes).isLessThanOrEqualTo(c.memoryBudget());
        assertThat(c.tracesEvicted()).isEqualTo(25);
        assertThat(store.get(25)).isNull();
        assertThat(store.page(null, s -> true, 10).traces()).extracting(TraceStore.StoredTrace::traceId)
                .containsExactly(30L, 29L, 28L, 27L, 26L);

        // ordinary spans take little of it: a hundred of them evict one trace of ten heavy spans
        for (long t = 31; t <= 40; t++) {
            store.add(List.<Span[]>of(chunk(t, 10)));
        }
        assertThat(store.get(26)).isNull();
        assertThat(store.get(27)).isNotNull();
        assertThat(store.counters().spans()).isEqualTo(40 + 100);
    }

    @Test
    void aTraceLargerThanTheMemoryBudgetKeepsTheBudgetsWorthAlone() {
        long spanBytes = heavyChunk(0, 1)[0].approximateBytes();
        TraceStore store = new TraceStore(100_000, 10 * spanBytes);
        store.add(List.<Span[]>of(heavyChunk(1, 5)));
        store.add(List.<Span[]>of(heavyChunk(2, 50)));
        assertThat(store.get(1)).isNull();
        assertThat(store.get(2).spans()).hasSize(10);
        // pieces that keep coming for that one trace do not grow it past the budget either
        store.add(List.<Span[]>of(heavyChunk(2, 3)));
        assertThat(store.get(2).spans()).hasSize(10);
        assertThat(store.counters().spansDroppedTraceFull()).isEqualTo(40 + 3);
        assertThat(store.counters().bytes()).isLessThanOrEqualTo(10 * spanBytes);
        // and the next trace evicts it, as the oldest
        store.add(List.<Span[]>of(chunk(3, 1)));
        assertThat(store.get(2)).isNull();
        assertThat(store.get(3)).isNotNull();
    }

    @Test
    void aPieceSentAgainIsNotStoredTwice() {
        TraceStore store = new TraceStore(100);
        Span[] piece = chunk(1, 3);
        store.add(List.<Span[]>of(piece));
        store.add(List.<Span[]>of(piece)); // a tracer's retry after a timeout
        store.add(List.<Span[]>of(new Span[] {piece[0], chunk(1, 1)[0]})); // one seen span, one new
        assertThat(store.get(1).spans()).hasSize(4);
        assertThat(store.counters().spansDuplicate()).isEqualTo(4);
        assertThat(store.counters().spans()).isEqualTo(4);
    }

    @Test
    void aReaderKeepsAConsistentSnapshotWhileAPieceJoins() {
        TraceStore store = new TraceStore(1000);
        store.add(List.<Span[]>of(chunk(1, 3)));
        Span[] before = store.get(1).spans();
        store.add(List.<Span[]>of(chunk(1, 2)));
        assertThat(before).hasSize(3);
        assertThat(store.get(1).spans()).hasSize(5);
    }

    private static Span span(long traceId, long spanId, long parentId) {
        Span s = new Span();
        s.traceId = traceId;
        s.spanId = spanId;
        s.parentId = parentId;
        return s;
    }

    @Test
    void aQueryWaitsForTheMissingPieceOfATraceAndThenSeesItWhole() throws Exception {
        TraceStore store = new TraceStore(1000, Duration.ofSeconds(30));
        store.add(List.<Span[]>of(new Span[] {span(7, 20, 10)})); // the taster's span, before its caller's
        CompletableFuture<Integer> listed = CompletableFuture.supplyAsync(() -> {
            store.awaitPieces(null);
            return store.page(null, s -> true, 1).traces().get(0).spans().length;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> store.waiting() == 1);
        assertThat(listed).isNotDone(); // waiting: span 20's parent has not arrived, and its window is 30 s

        store.add(List.<Span[]>of(new Span[] {span(7, 1, 0), span(7, 10, 1)})); // the caller's piece
        assertThat(listed.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    }

    /** A trace removed while a query waits for its missing piece is no longer waited for: the query answers at once. */
    @Test
    void aQueryWaitingForATraceThatIsRemovedAnswersAtOnce() {
        TraceStore store = new TraceStore(1000, Duration.ofSeconds(30));
        store.add(List.<Span[]>of(new Span[] {span(8, 20, 10)}));
        CompletableFuture<Void> one = CompletableFuture.runAsync(() -> store.awaitPieces(8L));
        CompletableFuture<Void> any = CompletableFuture.runAsync(() -> store.awaitPieces(null));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.waiting() == 2);

        store.clear();
        assertThat(one).succeedsWithin(Duration.ofSeconds(10)); // not the 30 s of the window
        assertThat(any).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aWholeTraceOrAnotherTracesMissingPieceIsNotWaitedFor() {
        TraceStore store = new TraceStore(1000, Duration.ofSeconds(30));
        store.add(List.<Span[]>of(new Span[] {span(1, 1, 0), span(1, 2, 1)}));
        store.add(List.<Span[]>of(new Span[] {span(2, 20, 10)}));
        assertThat(CompletableFuture.runAsync(() -> store.awaitPieces(1L))).succeedsWithin(Duration.ofSeconds(10));
    }

    /** A 404's trace is the matchmaker's alone: asked for right after the answer, none of it may be here yet. */
    @Test
    void aTraceAskedForBeforeAnyOfItArrivedIsWaitedForAndThenSeen() throws Exception {
        TraceStore store = new TraceStore(1000, Duration.ofSeconds(30));
        CompletableFuture<TraceStore.StoredTrace> asked = CompletableFuture.supplyAsync(() -> {
            store.awaitPieces(3L);
            return store.get(3);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> store.waiting() == 1);
        assertThat(asked).isNotDone();
        store.add(List.<Span[]>of(new Span[] {span(3, 1, 0)}));
        assertThat(asked.get(10, TimeUnit.SECONDS).spans()).hasSize(1);
    }

    @Test
    void aParentThatNeverComesIsWaitedForOneWindowAtMost() {
        TraceStore store = new TraceStore(1000, Duration.ofMillis(200));
        store.add(List.<Span[]>of(new Span[] {span(1, 20, 10)})); // its parent is in a process that is not traced
        assertThat(CompletableFuture.runAsync(() -> store.awaitPieces(null))).succeedsWithin(Duration.ofSeconds(10));
        assertThat(CompletableFuture.runAsync(() -> store.awaitPieces(1L))).succeedsWithin(Duration.ofSeconds(10));
        assertThat(CompletableFuture.runAsync(() -> store.awaitPieces(99L))).succeedsWithin(Duration.ofSeconds(10)); // never comes
    }
}

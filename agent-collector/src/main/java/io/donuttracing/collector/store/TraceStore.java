package io.donuttracing.collector.store;

import io.donuttracing.collector.model.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The traces the collector keeps, in memory, bounded by a span budget and a memory budget.
 *
 * <p>A distributed trace arrives in pieces, from several processes and payloads: pieces with the same
 * trace id are joined into one trace. Traces are kept in the order they were last added to (a doubly
 * linked list through the entries); when the store holds more spans than its span budget, or more bytes
 * ({@link Span#approximateBytes}) than its memory budget, the least recently added traces are evicted
 * first, and counted. The span budget binds for ordinary spans; the memory budget for spans with large
 * tags, which a tracer may send (up to 25,000 characters a value, any number of tags), so that what
 * tracers send cannot fill the heap.
 *
 * <p>A trace whose pieces are still arriving misses the parents of some of its spans: the taster's spans of
 * a pairing arrive while the matchmaker, whose spans are their parents, is still answering. The queries
 * wait a moment for such a trace ({@link #awaitPieces}), and for a trace asked for by id of which nothing has
 * arrived yet, so that a trace asked for right after its request is shown whole.
 *
 * <p>Cost per stored span: the {@link Span} itself and one array slot; per trace, one entry and one map
 * node. A trace's span array is replaced (never mutated) when a piece joins, so a reader that took the
 * array under the lock can keep reading it without the lock.
 */
public final class TraceStore {
    /** A stored trace. Its fields change only under the store's lock. */
    private static final class Entry {
        final long traceId;
        Span[] spans;
        long bytes;
        /** A span's parent is not in {@link #spans}: a piece on its way, or a parent never traced. */
        boolean missesParents;
        long lastAddedNanos;
        Entry prev;
        Entry next;

        Entry(long traceId, Span[] spans) {
            this.traceId = traceId;
            this.spans = spans;
        }
    }

    /** A consistent view of one stored trace. */
    public record StoredTrace(long traceId, Span[] spans) {
    }

    /** How long after its last piece a trace that misses parents is waited for, by default. */
    static final Duration PIECES_WINDOW = Duration.ofMillis(500);

    private final int spanBudget;
    private final long memoryBudget;
    private final long piecesWindowNanos;
    private int waiting;
    private final HashMap<Long, Entry> byId = new HashMap<>();
    private Entry oldest;
    private Entry newest;
    private long spanCount;
    private long byteCount;
    private long tracesAdded;
    private long piecesJoined;
    private long tracesEvicted;
    private long spansEvicted;
    private long spansDuplicate;
    private long spansDroppedTraceFull;
    private long spansStored;
    private long tracesRemoved;
    private long spansRemoved;
    /** How many times {@link #clear} ran: a wait for pieces ends when it changes. */
    private long clears;

    /** Without a memory budget: the span budget alone bounds it. */
    public TraceStore(int spanBudget) {
        this(spanBudget, Long.MAX_VALUE, PIECES_WINDOW);
    }

    /** @param memoryBudget bytes, as {@link Span#approximateBytes} counts them */
    public TraceStore(int spanBudget, long memoryBudget) {
        this(spanBudget, memoryBudget, PIECES_WINDOW);
    }

    public TraceStore(int spanBudget, Duration piecesWindow) {
        this(spanBudget, Long.MAX_VALUE, piecesWindow);
    }

    TraceStore(int spanBudget, long memoryBudget, Duration piecesWindow) {
        if (spanBudget < 1) {
            throw new IllegalArgumentException("span budget must be at least 1");
        }
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("memory budget must be at least 1 byte");
        }
        this.spanBudget = spanBudget;
        this.memoryBudget = memoryBudget;
        this.piecesWindowNanos = piecesWindow.toNanos();
    }

    /** Adds the kept chunks of one payload, joining them to stored traces with the same id. */
    public void add(List<Span[]> chunks) {
        List<Span[]> pieces = byTrace(chunks); // before the lock: other payloads and queries need not wait for it
        long nonEmpty = chunks.stream().filter(c -> c.length > 0).count();
        synchronized (this) {
            piecesJoined += nonEmpty - pieces.size(); // the chunks byTrace joined
            addPieces(pieces);
        }
    }

    /** Holding the store's lock; each piece non-empty and of a trace of its own. */
    private void addPieces(List<Span[]> pieces) {
        long now = System.nanoTime();
        for (Span[] chunk : pieces) {
            long id = chunk[0].traceId;
            Entry e = byId.get(id);
            Set<Long> ids = new HashSet<>();
            if (e != null) {
                for (Span s : e.spans) {
                    ids.add(s.spanId);
                }
            }
            // A span already stored (a tracer sent the piece again after a timeout) is not stored twice; and one
            // trace never holds more than the whole of either budget, which would otherwise not bound it: the
            // eviction below never takes the trace being added to.
            Span[] fresh = Arrays.stream(chunk).filter(s -> ids.add(s.spanId)).toArray(Span[]::new);
            spansDuplicate += chunk.length - fresh.length;
            int spansRoom = spanBudget - (e == null ? 0 : e.spans.length);
            long bytesRoom = memoryBudget - (e == null ? 0 : e.bytes);
            long bytes = 0;
            int fit = 0;
            while (fit < fresh.length && fit < spansRoom) {
                long b = fresh[fit].approximateBytes();
                if (bytes + b > bytesRoom) {
                    break;
                }
                bytes += b;
                fit++;
            }
            spansDroppedTraceFull += fresh.length - fit;
            if (fit == 0) {
                continue;
            }
            chunk = fit < fresh.length ? Arrays.copyOf(fresh, fit) : fresh;
            if (e == null) {
                e = new Entry(id, chunk);
                byId.put(id, e);
                tracesAdded++;
            } else {
                Span[] joined = Arrays.copyOf(e.spans, e.spans.length + chunk.length);
                System.arraycopy(chunk, 0, joined, e.spans.length, chunk.length);
                e.spans = joined;
                unlink(e);
                piecesJoined++;
            }
            e.missesParents = missesParents(e.spans, ids);
            e.lastAddedNanos = now;
            e.bytes += bytes;
            linkNewest(e);
            spanCount += chunk.length;
            byteCount += bytes;
            spansStored += chunk.length;
            while ((spanCount > spanBudget || byteCount > memoryBudget) && oldest != e) {
                Entry victim = oldest;
                unlink(victim);
                byId.remove(victim.traceId);
                spanCount -= victim.spans.length;
                byteCount -= victim.bytes;
                tracesEvicted++;
                spansEvicted += victim.spans.length;
            }
        }
        if (waiting > 0) {
            notifyAll();
        }
    }

    /**
     * The payload's chunks with those of the same trace joined into one piece, at the place of the trace's last
     * chunk (so the trace that was added to last is still the newest), empty ones left out. Joining a piece costs the
     * whole trace's spans (its span ids are gathered again, its array copied): a payload of 40,000 one-span chunks of
     * one trace, 1.6 MB, held the store's lock, and so every other payload and query, for over half a minute. Joined
     * first, a payload costs its own spans once.
     */
    private static List<Span[]> byTrace(List<Span[]> chunks) {
        Map<Long, List<Span>> spansOf = new LinkedHashMap<>();
        for (Span[] chunk : chunks) {
            if (chunk.length > 0) {
                List<Span> spans = spansOf.remove(chunk[0].traceId); // put again: at its last chunk's place
                spans = spans != null ? spans : new ArrayList<>(chunk.length);
                spans.addAll(Arrays.asList(chunk));
                spansOf.put(chunk[0].traceId, spans);
            }
        }
        List<Span[]> pieces = new ArrayList<>(spansOf.size());
        spansOf.values().forEach(spans -> pieces.add(spans.toArray(new Span[0])));
        return pieces;
    }

    /** Whether a span's parent is not among the trace's spans, whose ids are {@code ids}. */
    private static boolean missesParents(Span[] spans, Set<Long> ids) {
        for (Span s : spans) {
            if (s.parentId != 0 && !ids.contains(s.parentId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits while a trace that received a piece less than the window ago misses parents of its spans
     * ({@code traceId}'s, or any trace's when null): until its missing pieces arrive or its window ends,
     * and never longer than one window. A trace asked for by id that has no piece here yet is waited for too:
     * a trace of one process (a 404's, the matchmaker's alone) may not have arrived when its answer has. Returns
     * at once when no such trace is waited for.
     */
    public synchronized void awaitPieces(Long traceId) {
        long deadline = System.nanoTime() + piecesWindowNanos;
        long clearsBefore = clears;
        waiting++;
        try {
            while (clears == clearsBefore) { // once the store is emptied, nothing is on its way any more
                long now = System.nanoTime();
                long until = Math.min(deadline, awaitedUntil(traceId, now));
                if (until - now <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, until - now); // add() and clear() wake it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiting--;
        }
    }

    /** When the window of the latest awaited trace ends; {@code now} when none is awaited. */
    private long awaitedUntil(Long traceId, long now) {
        if (traceId != null) {
            Entry e = byId.get(traceId);
            if (e == null) {
                return now + piecesWindowNanos; // none of it yet: asked for right after its answer, it is on its way
            }
            return e.missesParents ? e.lastAddedNanos + piecesWindowNanos : now;
        }
        long until = now;
        for (Entry e = newest; e != null && now - e.lastAddedNanos < piecesWindowNanos; e = e.prev) {
            if (e.missesParents) {
                until = Math.max(until, e.lastAddedNanos + piecesWindowNanos);
            }
        }
        return until;
    }

    /** Queries waiting in {@link #awaitPieces} now. */
    synchronized int waiting() {
        return waiting;
    }

    private void linkNewest(Entry e) {
        e.prev = newest;
        e.next = null;
        if (newest != null) {
            newest.next = e;
        } else {
            oldest = e;
        }
        newest = e;
    }

    private void unlink(Entry e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            oldest = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        } else {
            newest = e.prev;
        }
        e.prev = null;
        e.next = null;
    }

    /** Removes every stored trace, and counts them as removed; returns how many traces and spans that was. */
    public synchronized Removed clear() {
        Removed removed = new Removed(byId.size(), spanCount);
        byId.clear();
        oldest = null;
        newest = null;
        spanCount = 0;
        byteCount = 0;
        tracesRemoved += removed.traces();
        spansRemoved += removed.spans();
        clears++;
        notifyAll(); // a query waiting for a removed trace's missing piece has nothing left to wait for
        return removed;
    }

    /** What one {@link #clear} removed. */
    public record Removed(long traces, long spans) {
    }

    /** The trace with this id (its low 64 bits), or null. */
    public synchronized StoredTrace get(long traceId) {
        Entry e = byId.get(traceId);
        return e == null ? null : new StoredTrace(e.traceId, e.spans);
    }

    /**
     * Up to {@code limit} traces matching the filter, most recently added first: from the newest, or, when
     * {@code before} is given, from the trace added before that one. Null when no trace {@code before} is stored
     * (evicted, removed, or never here). The walk starts at that trace, found by its id, so a page costs the
     * traces it walks, never the newer ones; to say whether an older one matches it walks on to the next match.
     *
     * <p>The order is that of the last piece added: a trace that receives a piece becomes the newest. While a
     * client pages, such a trace moves to the first page (it is not on the later ones); and when it is the
     * {@code before} itself, the next page starts from its new place.
     */
    public Page page(Long before, Predicate<Span[]> filter, int limit) {
        List<StoredTrace> out = new ArrayList<>(Math.min(limit, 256));
        synchronized (this) {
            Entry from = newest;
            if (before != null) {
                Entry cursor = byId.get(before);
                if (cursor == null) {
                    return null;
                }
                from = cursor.prev;
            }
            for (Entry e = from; e != null; e = e.prev) {
                if (filter.test(e.spans)) {
                    if (out.size() == limit) {
                        return new Page(out, true);
                    }
                    out.add(new StoredTrace(e.traceId, e.spans));
                }
            }
        }
        return new Page(out, false);
    }

    /** One {@link #page}: its traces, and whether an older trace matches too (another page). */
    public record Page(List<StoredTrace> traces, boolean older) {
    }

    /** How many stored spans each service has. */
    public synchronized java.util.Map<String, Integer> spansByService() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        for (Entry e = oldest; e != null; e = e.next) {
            for (Span s : e.spans) {
                out.merge(s.service, 1, Integer::sum);
            }
        }
        return out;
    }

    public synchronized Counters counters() {
        return new Counters(byId.size(), spanCount, spanBudget, byteCount, memoryBudget, tracesAdded, piecesJoined,
                spansStored, tracesEvicted, spansEvicted, tracesRemoved, spansRemoved, spansDuplicate,
                spansDroppedTraceFull);
    }

    /**
     * The store's counters, as {@code /api/stats} shows them; {@code bytes}: the stored spans'
     * {@link Span#approximateBytes}, {@code spansDuplicate}: spans sent again and not stored twice,
     * {@code spansDroppedTraceFull}: spans past either budget in one trace, not stored; {@code tracesRemoved},
     * {@code spansRemoved}: removed by {@link #clear}.
     */
    public record Counters(long traces, long spans, long spanBudget, long bytes, long memoryBudget,
                           long tracesAdded, long piecesJoined,
                           long spansStored, long tracesEvicted, long spansEvicted, long tracesRemoved,
                           long spansRemoved, long spansDuplicate, long spansDroppedTraceFull) {
    }
}

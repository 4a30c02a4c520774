package io.donuttracing.collector.api;

import io.donuttracing.collector.model.Span;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A trace as spans in tree order with their depth, and as an indented text waterfall for {@code curl}:
 *
 * <pre>
 * trace 1234 · 7 spans · 212.400 ms · 0 errors
 *     +0.000 ms  212.400 ms  matchmaker  servlet.request  GET /pair/beer
 *     +1.204 ms    3.100 ms    matchmaker  h2.query  SELECT * FROM beer WHERE name = ?
 * </pre>
 *
 * Children follow their parent, ordered by start. Spans whose parent is not in the trace are roots.
 * The walk is iterative and visits each span once, so neither deep traces nor parent cycles in
 * untrusted data can hurt it; spans only reachable through a cycle are shown as extra roots.
 */
public final class Waterfall {
    private static final int MAX_INDENT = 40;

    /** A span and its depth in the tree. */
    public record Row(Span span, int depth) {
    }

    private Waterfall() {
    }

    public static List<Row> rows(Span[] spans) {
        Span[] sorted = spans.clone();
        Arrays.sort(sorted, Comparator.comparingLong((Span s) -> s.start).thenComparingLong(s -> s.spanId));
        Set<Long> ids = new HashSet<>();
        for (Span s : sorted) {
            ids.add(s.spanId);
        }
        Map<Long, List<Span>> children = new HashMap<>();
        List<Span> roots = new ArrayList<>();
        for (Span s : sorted) {
            if (s.parentId == 0 || s.parentId == s.spanId || !ids.contains(s.parentId)) {
                roots.add(s);
            } else {
                children.computeIfAbsent(s.parentId, k -> new ArrayList<>()).add(s);
            }
        }
        List<Row> out = new ArrayList<>(spans.length);
        Set<Span> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        walk(roots, children, out, seen);
        if (out.size() < sorted.length) {
            List<Span> rest = new ArrayList<>();
            for (Span s : sorted) {
                if (!seen.contains(s)) {
                    rest.add(s);
                }
            }
            for (Span s : rest) {
                if (!seen.contains(s)) {
                    walk(List.of(s), children, out, seen);
                }
            }
        }
        return out;
    }

    private static void walk(List<Span> roots, Map<Long, List<Span>> children, List<Row> out, Set<Span> seen) {
        Deque<Row> stack = new ArrayDeque<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.push(new Row(roots.get(i), 0));
        }
        while (!stack.isEmpty()) {
            Row r = stack.pop();
            if (!seen.add(r.span())) {
                continue;
            }
            out.add(r);
            List<Span> kids = children.get(r.span().spanId);
            if (kids != null) {
                for (int i = kids.size() - 1; i >= 0; i--) {
                    stack.push(new Row(kids.get(i), r.depth() + 1));
                }
            }
        }
    }

    public static long traceStart(Span[] spans) {
        long min = Long.MAX_VALUE;
        for (Span s : spans) {
            min = Math.min(min, s.start);
        }
        return min;
    }

    public static long traceDuration(Span[] spans) {
        long max = Long.MIN_VALUE;
        for (Span s : spans) {
            max = Math.max(max, s.end());
        }
        return max - traceStart(spans);
    }

    public static String text(long traceId, Span[] spans) {
        long start = traceStart(spans);
        int errors = 0;
        for (Span s : spans) {
            if (s.error != 0) {
                errors++;
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("trace ").append(Long.toUnsignedString(traceId)).append(" · ").append(spans.length)
                .append(spans.length == 1 ? " span" : " spans").append(" · ").append(ms(traceDuration(spans)))
                .append(" · ").append(errors).append(errors == 1 ? " error" : " errors").append('\n');
        for (Row r : rows(spans)) {
            Span s = r.span();
            b.append(String.format(Locale.ROOT, "%13s %12s  ", "+" + ms(s.start - start), ms(s.duration)));
            b.append("  ".repeat(Math.min(r.depth(), MAX_INDENT)));
            b.append(clean(s.service)).append("  ").append(clean(s.name)).append("  ").append(clean(s.resource));
            if (s.error != 0) {
                b.append("  ERROR");
                String msg = s.meta("error.msg");
                if (msg != null && !msg.isEmpty()) {
                    b.append(": ").append(clean(msg));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    /** One line of text: control characters (newlines, escape sequences) become spaces. */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                if (b == null) {
                    b = new StringBuilder(s.substring(0, i));
                }
                b.append(' ');
            } else if (b != null) {
                b.append(c);
            }
        }
        String r = b == null ? s : b.toString();
        return r.length() > 200 ? r.substring(0, 200) + "…" : r;
    }
}

package io.donuttracing.collector.processing;

import io.donuttracing.collector.model.Span;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The agent's sampling decision for one trace chunk ({@code pkg/trace/sampler}).
 *
 * <ul>
 *   <li>A priority ({@code _sampling_priority_v1}) below 0 (user or rule reject) drops the trace.</li>
 *   <li>A priority above 0 keeps it.</li>
 *   <li>Without a priority, the trace is kept with the service's rate by the deterministic rule shared
 *       with the tracers: {@code trace_id * 1111111111111111111 (mod 2^64) < rate * 2^64}.</li>
 *   <li>A trace that would be dropped (priority 0, or not picked by the rate) but holds an error goes to
 *       the error sampler, which keeps up to {@code errorTps} of them per second.</li>
 * </ul>
 *
 * <p>Every trace received, and every trace a tracer reports having dropped ({@link #countDropped}), counts
 * toward its (service, env) rate: every 10 s the rate moves to
 * {@code min(1, targetTps / observed traces per second)} (or after a second already, when the traces
 * kept at the current rate would be more than twice the target), and {@link #rateByService()} publishes
 * it in the intake responses so that tracers sample at the source.
 */
public final class Sampler {
    public static final long KNUTH_FACTOR = 1111111111111111111L;
    static final long WINDOW_NANOS = 10_000_000_000L;
    static final long SURGE_CHECK_NANOS = 1_000_000_000L;
    /**
     * The (service, env) keys tracked at most, and how long one without traffic is kept: every intake answer
     * lists them all, and a client inventing an env per trace would otherwise grow the map and the answers
     * without bound. A key past the limit is sampled at rate 1, untracked.
     */
    static final int MAX_KEYS = 1000;
    static final long IDLE_NANOS = 300_000_000_000L;

    /** What happened to a chunk; the names are the counters' keys in {@code /api/stats}. */
    public enum Decision {
        KEEP_PRIORITY("kept_priority", true), KEEP_RATE("kept_rate", true), KEEP_ERROR("kept_error", true),
        DROP_USER_REJECT("dropped_priority_reject", false), DROP_AUTO_REJECT("dropped_auto_reject", false),
        DROP_RATE("dropped_rate", false);

        public final String key;
        public final boolean keep;

        Decision(String key, boolean keep) {
            this.key = key;
            this.keep = keep;
        }
    }

    private final double targetTps;
    private final double errorTps;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, ServiceRate> rates = new ConcurrentHashMap<>();
    private double errorTokens;
    private long errorRefilledAt;

    private static final class ServiceRate {
        long windowStart;
        long count;
        volatile double rate = 1.0;
        volatile long lastTrafficNanos;
    }

    public Sampler(double targetTps, double errorTps, LongSupplier nanoClock) {
        this.targetTps = targetTps;
        this.errorTps = errorTps;
        this.nanoClock = nanoClock;
        this.errorTokens = errorTps;
        this.errorRefilledAt = nanoClock.getAsLong();
    }

    public Decision sample(Span[] chunk) {
        Span root = root(chunk);
        double rate = count(rateKey(root), 1);
        double priority = Double.NaN;
        for (Span s : chunk) {
            priority = s.metric("_sampling_priority_v1");
            if (!Double.isNaN(priority)) {
                break;
            }
        }
        if (priority < 0) {
            return Decision.DROP_USER_REJECT;
        }
        if (priority > 0) {
            return Decision.KEEP_PRIORITY;
        }
        boolean hasPriority = !Double.isNaN(priority);
        if (!hasPriority && keepByRate(root.traceId, rate)) {
            return Decision.KEEP_RATE;
        }
        for (Span s : chunk) {
            if (s.error != 0) {
                return takeErrorToken() ? Decision.KEEP_ERROR : hasPriority ? Decision.DROP_AUTO_REJECT : Decision.DROP_RATE;
            }
        }
        return hasPriority ? Decision.DROP_AUTO_REJECT : Decision.DROP_RATE;
    }

    /** The deterministic keep rule shared by tracers and agent. */
    public static boolean keepByRate(long traceId, double rate) {
        if (rate >= 1.0) {
            return true;
        }
        if (rate <= 0) {
            return false;
        }
        double threshold = rate * 0x1p64;
        long t = threshold >= 0x1p63 ? ((long) (threshold - 0x1p63)) ^ Long.MIN_VALUE : (long) threshold;
        return Long.compareUnsigned(traceId * KNUTH_FACTOR, t) < 0;
    }

    /** The chunk's root: the span without a parent, else the earliest span whose parent is elsewhere. */
    public static Span root(Span[] chunk) {
        for (Span s : chunk) {
            if (s.parentId == 0) {
                return s;
            }
        }
        java.util.HashSet<Long> ids = new java.util.HashSet<>();
        for (Span s : chunk) {
            ids.add(s.spanId);
        }
        Span best = null;
        for (Span s : chunk) {
            if (!ids.contains(s.parentId) && (best == null || s.start < best.start)) {
                best = s;
            }
        }
        return best != null ? best : chunk[0];
    }

    /** The (service, env) key of a trace's rate: {@code service:<root's service>,env:<root's env tag>}. */
    public static String rateKey(Span root) {
        String env = root.meta("env");
        return "service:" + root.service + ",env:" + (env == null ? "" : env);
    }

    /**
     * Counts traces that the tracer dropped itself (priority 0, reported in
     * {@code Datadog-Client-Dropped-P0-Traces}) toward the key's rate, as the agent's
     * {@code PrioritySampler.CountClientDroppedP0s} does: they are traffic too, and a rate computed from the
     * kept traces alone would rise, let more through, fall again, and oscillate.
     */
    public void countDropped(String key, long n) {
        count(key, n);
    }

    /** Adds traces to the key's window, moves the rate when the window is over, and returns the rate. */
    private double count(String key, long traces) {
        ServiceRate r = rates.get(key);
        if (r == null) {
            if (rates.size() >= MAX_KEYS) {
                return 1.0;
            }
            r = rates.computeIfAbsent(key, k -> {
                ServiceRate n = new ServiceRate();
                n.windowStart = nanoClock.getAsLong();
                n.lastTrafficNanos = n.windowStart;
                return n;
            });
        }
        synchronized (r) {
            long now = nanoClock.getAsLong();
            r.count += traces;
            if (traces > 0) {
                r.lastTrafficNanos = now;
            }
            long elapsed = now - r.windowStart;
            // A surge (a load test starts) lowers the rate after a second, not at the end of the window: at
            // the old rate tracers would send thousands of traces a second that are mostly dropped here.
            boolean surge = elapsed >= SURGE_CHECK_NANOS && r.count * r.rate > 2 * targetTps * (elapsed / 1e9);
            if (elapsed >= WINDOW_NANOS || surge) {
                double tps = r.count / (elapsed / 1e9);
                r.rate = tps <= targetTps ? 1.0 : targetTps / tps;
                r.count = 0;
                r.windowStart = now;
            }
        }
        return r.rate;
    }

    private synchronized boolean takeErrorToken() {
        long now = nanoClock.getAsLong();
        errorTokens = Math.min(errorTps, errorTokens + (now - errorRefilledAt) / 1e9 * errorTps);
        errorRefilledAt = now;
        if (errorTokens >= 1) {
            errorTokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * The rates to publish: {@code "service:<name>,env:<env>" -> rate}, plus the default {@code "service:,env:"}.
     * A window that is over is closed here too: when a load test stops, a tracer that drops nearly every
     * trace would otherwise send none of that service's traces again, and its rate would never rise.
     */
    public Map<String, Double> rateByService() {
        long now = nanoClock.getAsLong();
        rates.values().removeIf(r -> now - r.lastTrafficNanos > IDLE_NANOS); // a service gone quiet is forgotten
        Map<String, Double> out = new TreeMap<>();
        out.put("service:,env:", 1.0);
        rates.forEach((k, v) -> out.put(k, count(k, 0)));
        return out;
    }
}

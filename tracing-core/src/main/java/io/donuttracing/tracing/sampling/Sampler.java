package io.donuttracing.tracing.sampling;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Decides, once per trace and at its start, whether the trace is kept: the sampling priority.
 *
 * <p>Two sources of rates, as in Datadog's tracers:
 * <ul>
 *   <li>a rule, {@code DD_TRACE_SAMPLE_RATE}: when set, every trace gets {@link SamplingPriority#USER_KEEP}
 *       or {@link SamplingPriority#USER_REJECT} at that rate (decision maker {@code -3}); the traces it keeps are
 *       limited to {@code DD_TRACE_RATE_LIMIT} a second (100 by default), those over it get
 *       {@link SamplingPriority#USER_REJECT}, as in dd-trace-java's {@code RuleBasedTraceSampler};</li>
 *   <li>otherwise the agent's {@code rate_by_service}, read from each answer of the trace intake
 *       ({@code {"service:matchmaker,env:dev":0.5, "service:,env:":1.0}}): {@link SamplingPriority#AUTO_KEEP}
 *       or {@link SamplingPriority#AUTO_REJECT} (decision maker {@code -1}, or {@code -0} before the agent
 *       has answered).</li>
 * </ul>
 * The decision is deterministic in the trace id ({@link #keep(long, double)}), so the agent and every
 * tracer that sees the same trace id and rate agree.
 */
public final class Sampler {

  /** Knuth's multiplicative hashing factor, shared with the agent and every Datadog tracer. */
  public static final long KNUTH_FACTOR = 1111111111111111111L;

  private static final String DEFAULT_KEY = "service:,env:";

  /** Datadog's default for {@code DD_TRACE_RATE_LIMIT}: traces a second the rule may keep. */
  public static final int DEFAULT_RATE_LIMIT = 100;

  /** The rule's rate, or null to follow the agent's rates. */
  private final Rate rule;
  /** A rule-kept trace over the limit gets this decision instead. */
  private final Decision overLimit;
  private final int rateLimit;
  private final LongSupplier nanoClock;
  /** The second (of {@link #nanoClock}) being counted, and the rule-kept traces let through in it. */
  private long second = Long.MIN_VALUE;
  private int keptThisSecond;
  private volatile Map<String, Double> agentRates = Map.of();
  /**
   * The agent's rate for the last service and env asked about: nearly every trace has the same service and
   * env, so the rate is looked up once for each set of rates the agent sends.
   */
  private volatile AgentRate last = new AgentRate(null, "", "", Rate.DEFAULT);

  private record AgentRate(Map<String, Double> rates, String service, String env, Rate rate) {}

  /**
   * A rate with its cutoff and its two decisions, made once: a trace is then decided by
   * {@link Sampler#keep(long, double)}'s rule, without computing anything else.
   */
  private record Rate(double rate, long cutoff, Decision keep, Decision reject) {
    static final Rate DEFAULT = new Rate(1.0, 0, Decision.DEFAULT_KEEP, Decision.DEFAULT_KEEP);

    static Rate of(double rate, int keepPriority, int rejectPriority, String mechanism, String metric) {
      return new Rate(rate, Sampler.cutoff(rate), new Decision(keepPriority, mechanism, metric, rate, 0),
          new Decision(rejectPriority, mechanism, metric, rate, 0));
    }

    Decision decide(long traceIdLow) {
      return Sampler.keep(traceIdLow, rate, cutoff) ? keep : reject;
    }
  }

  /** A sampler with Datadog's default rate limit, {@value #DEFAULT_RATE_LIMIT} rule-kept traces a second. */
  public Sampler(Double ruleRate) {
    this(ruleRate, DEFAULT_RATE_LIMIT);
  }

  /**
   * @param ruleRate {@code DD_TRACE_SAMPLE_RATE}, or null (or NaN) to follow the agent's rates
   * @param rateLimit {@code DD_TRACE_RATE_LIMIT}: at most this many traces a second kept by the rule (at least 1)
   */
  public Sampler(Double ruleRate, int rateLimit) {
    this(ruleRate, rateLimit, System::nanoTime);
  }

  Sampler(Double ruleRate, int rateLimit, LongSupplier nanoClock) {
    this.rateLimit = Math.max(1, rateLimit);
    this.nanoClock = nanoClock;
    if (ruleRate == null || ruleRate.isNaN()) {
      this.rule = null;
      this.overLimit = null;
    } else {
      double rate = Math.max(0.0, Math.min(1.0, ruleRate));
      Decision keep = new Decision(SamplingPriority.USER_KEEP, "-3", "_dd.rule_psr", rate, this.rateLimit);
      Decision reject = new Decision(SamplingPriority.USER_REJECT, "-3", "_dd.rule_psr", rate, 0);
      this.rule = new Rate(rate, cutoff(rate), keep, reject);
      this.overLimit = new Decision(SamplingPriority.USER_REJECT, "-3", "_dd.rule_psr", rate, this.rateLimit);
    }
  }

  /**
   * The deterministic keep rule: keep when {@code traceId * 1111111111111111111 (mod 2^64) < rate * 2^64},
   * the product and the comparison unsigned.
   */
  public static boolean keep(long traceIdLow, double rate) {
    return keep(traceIdLow, rate, cutoff(rate));
  }

  /** The rule with the cutoff already computed: every new trace goes through here. */
  private static boolean keep(long traceIdLow, double rate, long cutoff) {
    return rate >= 1.0 || rate > 0.0 && Long.compareUnsigned(traceIdLow * KNUTH_FACTOR, cutoff) < 0;
  }

  /**
   * {@code rate * 2^64}, truncated, as an unsigned long; only used for 0 < rate < 1. Exact without
   * BigDecimal: scaling by 2^64 only changes the exponent, and above 2^63 subtracting 2^63 is exact too.
   */
  static long cutoff(double rate) {
    double scaled = Math.scalb(rate, 64);
    return scaled < 0x1p63 ? (long) scaled : (long) (scaled - 0x1p63) ^ Long.MIN_VALUE;
  }

  /** The decision for a new trace whose root span has this service and env. */
  public Decision decide(long traceIdLow, String service, String env) {
    if (rule != null) {
      Decision d = rule.decide(traceIdLow);
      return d == rule.keep && !underRateLimit() ? overLimit : d;
    }
    String svc = nullToEmpty(service);
    String e = nullToEmpty(env);
    Map<String, Double> rates = agentRates;
    AgentRate r = last;
    if (r.rates != rates || !r.service.equals(svc) || !r.env.equals(e)) {
      r = new AgentRate(rates, svc, e, agentRate(rates, svc, e));
      last = r;
    }
    return r.rate.decide(traceIdLow);
  }

  /**
   * The agent keys its rates by the service and env it normalised, in lower case; so does this lookup, as
   * dd-trace-java's does. A rate outside 0 to 1 keeps every trace, as there (a negative one would drop them all).
   */
  private static Rate agentRate(Map<String, Double> rates, String service, String env) {
    Double rate = rates.get("service:" + service.toLowerCase(Locale.ROOT) + ",env:" + env.toLowerCase(Locale.ROOT));
    if (rate == null) {
      rate = rates.get(DEFAULT_KEY);
    }
    return rate == null ? Rate.DEFAULT
        : Rate.of(rate >= 0 && rate <= 1 ? rate : 1.0, SamplingPriority.AUTO_KEEP, SamplingPriority.AUTO_REJECT,
            "-1", "_dd.agent_psr");
  }

  /**
   * Whether one more rule-kept trace fits in this second: a count per whole second, as dd-trace-java's
   * {@code SimpleRateLimiter} keeps it (not smoothed within the second). Only traces the rule keeps come here,
   * so the lock is taken at most once per new trace.
   */
  private synchronized boolean underRateLimit() {
    long now = Math.floorDiv(nanoClock.getAsLong(), 1_000_000_000L);
    if (now != second) {
      second = now;
      keptThisSecond = 0;
    }
    return keptThisSecond++ < rateLimit;
  }

  /** Replaces the agent's rates; called by the writer with each {@code rate_by_service} it reads. */
  public void updateAgentRates(Map<String, Double> rateByService) {
    Map<String, Double> rates = new HashMap<>();
    rateByService.forEach((key, rate) -> rates.put(key.toLowerCase(Locale.ROOT), rate));
    agentRates = Map.copyOf(rates);
  }

  /** The agent's rates in use (for tests and diagnostics). */
  public Map<String, Double> agentRates() {
    return agentRates;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /**
   * A sampling decision: the priority, the decision maker ({@code _dd.p.dm}, propagated when kept), the
   * rate with the metric that records it on the root span, and the rate limit the decision went through,
   * recorded as {@code _dd.limit_psr} (0: none).
   */
  public static final class Decision {
    static final Decision DEFAULT_KEEP = new Decision(SamplingPriority.AUTO_KEEP, "-0", "_dd.agent_psr", 1.0, 0);

    public final int priority;
    public final String mechanism;
    public final String rateMetric;
    public final double rate;
    public final int rateLimit;

    Decision(int priority, String mechanism, String rateMetric, double rate, int rateLimit) {
      this.priority = priority;
      this.mechanism = mechanism;
      this.rateMetric = rateMetric;
      this.rate = rate;
      this.rateLimit = rateLimit;
    }
  }
}

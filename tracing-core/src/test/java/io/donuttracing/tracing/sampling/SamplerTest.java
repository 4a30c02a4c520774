package io.donuttracing.tracing.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplerTest {

  /** trace_id * 1111111111111111111 mod 2^64, compared unsigned with rate * 2^64. */
  @ParameterizedTest(name = "trace {0} at rate {1} -> keep {2}")
  @CsvSource({
      "1, 0.5, true",                      // product 1111111111111111111 < 2^63
      "9, 0.5, false",                     // 9 * K = 9999999999999999999 > 2^63
      "9, 0.6, true",                      // ... < 0.6 * 2^64 = 11068046444225730969.6
      "12345678901234567890, 1.0, true",
      "12345678901234567890, 0.0, false",
      "17, 0.0, false",
      "17, 1.0, true",
  })
  void deterministicKeepRule(String traceId, double rate, boolean keep) {
    assertThat(Sampler.keep(Long.parseUnsignedLong(traceId), rate)).isEqualTo(keep);
  }

  @Test
  void keepRuleMatchesBigIntegerArithmetic() {
    java.math.BigInteger two64 = java.math.BigInteger.ONE.shiftLeft(64);
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      long id = random.nextLong();
      double rate = random.nextDouble();
      java.math.BigInteger product = new java.math.BigInteger(Long.toUnsignedString(id))
          .multiply(java.math.BigInteger.valueOf(Sampler.KNUTH_FACTOR)).mod(two64);
      boolean expected = new java.math.BigDecimal(product)
          .compareTo(new java.math.BigDecimal(rate).multiply(new java.math.BigDecimal(two64))) < 0;
      assertThat(Sampler.keep(id, rate)).as("id %s rate %s", Long.toUnsignedString(id), rate).isEqualTo(expected);
    }
  }

  @Test
  void keepRateIsRoughlyTheRate() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(1);
    int kept = 0;
    for (int i = 0; i < 100_000; i++) {
      kept += Sampler.keep(random.nextLong(), 0.25) ? 1 : 0;
    }
    assertThat(kept).isBetween(24_000, 26_000);
  }

  @Test
  void beforeTheAgentAnswersEverythingIsKeptWithDecisionMakerMinusZero() {
    Sampler.Decision d = new Sampler(null).decide(9, "web", "dev");
    assertThat(d.priority).isEqualTo(SamplingPriority.AUTO_KEEP);
    assertThat(d.mechanism).isEqualTo("-0");
  }

  @Test
  void agentRatesByServiceAndEnvWithTheDefaultKeyAsFallback() {
    Sampler sampler = new Sampler(null);
    sampler.updateAgentRates(Map.of("service:web,env:dev", 0.5, "service:,env:", 0.0));
    Sampler.Decision kept = sampler.decide(1, "web", "dev");
    Sampler.Decision dropped = sampler.decide(9, "web", "dev");
    Sampler.Decision other = sampler.decide(1, "db", "dev");
    assertThat(kept.priority).isEqualTo(SamplingPriority.AUTO_KEEP);
    assertThat(kept.mechanism).isEqualTo("-1");
    assertThat(kept.rateMetric).isEqualTo("_dd.agent_psr");
    assertThat(kept.rate).isEqualTo(0.5);
    assertThat(dropped.priority).isEqualTo(SamplingPriority.AUTO_REJECT);
    assertThat(other.priority).isEqualTo(SamplingPriority.AUTO_REJECT);
  }

  @Test
  void theAgentsRatesApplyWhateverTheCaseOfServiceAndEnvAsTheAgentNormalisesThem() {
    Sampler sampler = new Sampler(null);
    sampler.updateAgentRates(Map.of("service:matchmaker,env:prod", 0.0, "service:,env:", 1.0));
    assertThat(sampler.decide(42, "Matchmaker", "Prod").priority).isEqualTo(SamplingPriority.AUTO_REJECT);
    sampler.updateAgentRates(Map.of("service:Web,env:", 0.0, "service:,env:", 1.0));
    assertThat(sampler.decide(42, "web", null).priority).isEqualTo(SamplingPriority.AUTO_REJECT);
  }

  @Test
  void aRateThatIsNoProbabilityKeepsEveryTraceRatherThanDroppingThemAll() {
    Sampler sampler = new Sampler(null);
    sampler.updateAgentRates(Map.of("service:,env:", -5.0));
    assertThat(sampler.decide(9, "web", null).priority).isEqualTo(SamplingPriority.AUTO_KEEP);
    Sampler.Decision noRule = new Sampler(Double.NaN).decide(9, "web", null);
    assertThat(noRule.priority).isEqualTo(SamplingPriority.AUTO_KEEP);
    assertThat(noRule.mechanism).as("NaN is no rule: the agent decides").isEqualTo("-0");
  }

  @Test
  void aSampleRateRuleGivesUserPrioritiesAndWinsOverTheAgent() {
    Sampler sampler = new Sampler(0.5);
    sampler.updateAgentRates(Map.of("service:,env:", 0.0));
    assertThat(sampler.decide(1, "web", null).priority).isEqualTo(SamplingPriority.USER_KEEP);
    assertThat(sampler.decide(9, "web", null).priority).isEqualTo(SamplingPriority.USER_REJECT);
    assertThat(sampler.decide(1, "web", null).mechanism).isEqualTo("-3");
    assertThat(sampler.decide(1, "web", null).rateMetric).isEqualTo("_dd.rule_psr");
    assertThat(new Sampler(0.0).decide(1, "web", null).priority).isEqualTo(SamplingPriority.USER_REJECT);
  }

  /**
   * As dd-trace-java's RuleBasedTraceSampler: the traces the rule keeps are limited to DD_TRACE_RATE_LIMIT a second
   * (100 by default); those over it get USER_REJECT. Both carry {@code _dd.limit_psr}, the limit. Before, a rule of
   * 1.0 marked every trace USER_KEEP, however many a second.
   */
  @Test
  void aSampleRateRuleKeepsAtMostTheRateLimitOfTracesASecond() {
    AtomicLong nanos = new AtomicLong(5_000_000_000L);
    Sampler sampler = new Sampler(1.0, 100, nanos::get);
    int kept = 0;
    for (long id = 1; id <= 10_000; id++) { // 10,000 new traces within the same second
      Sampler.Decision d = sampler.decide(id * 7919, "svc", null);
      kept += d.priority == SamplingPriority.USER_KEEP ? 1 : 0;
      assertThat(d.priority).isIn(SamplingPriority.USER_KEEP, SamplingPriority.USER_REJECT);
      assertThat(d.mechanism).isEqualTo("-3");
      assertThat(d.rateMetric).isEqualTo("_dd.rule_psr");
      assertThat(d.rate).isEqualTo(1.0);
      assertThat(d.rateLimit).isEqualTo(100);
    }
    assertThat(kept).isEqualTo(100);

    nanos.addAndGet(999_000_000L); // still the same second
    assertThat(sampler.decide(1, "svc", null).priority).isEqualTo(SamplingPriority.USER_REJECT);
    nanos.addAndGet(1_000_000L); // the next one
    assertThat(sampler.decide(1, "svc", null).priority).isEqualTo(SamplingPriority.USER_KEEP);
  }

  @Test
  void theRateLimitCountsOnlyWhatTheRuleKeepsAndNeverTheAgentsDecisions() {
    AtomicLong nanos = new AtomicLong();
    Sampler rule = new Sampler(0.5, 1, nanos::get);
    Sampler.Decision dropped = rule.decide(9, "svc", null); // 9 is out at 0.5
    assertThat(dropped.priority).isEqualTo(SamplingPriority.USER_REJECT);
    assertThat(dropped.rateLimit).as("the limiter was not asked: no _dd.limit_psr").isZero();
    assertThat(rule.decide(1, "svc", null).priority).as("the one token is still there").isEqualTo(SamplingPriority.USER_KEEP);

    Sampler agent = new Sampler(null, 1, nanos::get);
    for (int i = 0; i < 5; i++) {
      Sampler.Decision d = agent.decide(1, "svc", null);
      assertThat(d.priority).isEqualTo(SamplingPriority.AUTO_KEEP);
      assertThat(d.rateLimit).isZero();
    }
    assertThat(Sampler.DEFAULT_RATE_LIMIT).isEqualTo(100);
  }

  @Test
  void theTracerReadsDdTraceRateLimitAndTagsTheRootWithLimitPsr() {
    assertThat(TracerConfig.defaults().rateLimit()).isEqualTo(100);
    assertThat(TracerConfig.from(Map.of("dd.trace.rate.limit", "7")::get).rateLimit()).isEqualTo(7);
    assertThat(TracerConfig.from(Map.of("dd.trace.rate.limit", "lots")::get).rateLimit()).isEqualTo(100);
    assertThat(TracerConfig.from(Map.of("dd.trace.rate.limit", "0")::get).rateLimit()).as("at least 1").isEqualTo(1);

    RecordingWriter writer = new RecordingWriter();
    Tracer tracer = Tracer.create(TracerConfig.builder().service("svc").logsInjection(false).sampleRate(1.0)
        .rateLimit(1).build(), writer);
    for (int i = 0; i < 50; i++) {
      tracer.trace("t").close();
    }
    // unless the fifty took fifty seconds (each in a second of its own), some are over the limit of 1 a second
    assertThat(writer.spans()).extracting(Span::samplingPriority).contains(SamplingPriority.USER_REJECT);
    for (Span root : writer.spans()) {
      assertThat(root.metric("_dd.limit_psr").doubleValue()).isEqualTo(1.0);
      assertThat(root.metric("_dd.rule_psr").doubleValue()).isEqualTo(1.0);
    }
  }
}

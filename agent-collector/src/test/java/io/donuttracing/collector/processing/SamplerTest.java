package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.model.Span;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private static Span[] trace(long id, String service, double priority, int error) {
        Span s = new Span();
        s.traceId = id;
        s.spanId = 1;
        s.service = service;
        s.error = error;
        if (!Double.isNaN(priority)) {
            s.metricKeys = new String[] {"_sampling_priority_v1"};
            s.metricValues = new double[] {priority};
        }
        return new Span[] {s};
    }

    @Test
    void theKeysPublishedAreBoundedAndAQuietServiceIsForgotten() {
        Sampler s = new Sampler(10, 10, clock::get);
        for (int i = 0; i < 2 * Sampler.MAX_KEYS; i++) { // a client inventing a service per trace
            s.sample(trace(i + 1, "svc-" + i, 1, 0));
        }
        assertThat(s.rateByService()).hasSize(Sampler.MAX_KEYS + 1); // and the default key
        clock.addAndGet(Sampler.IDLE_NANOS / 2);
        s.sample(trace(1, "svc-0", 1, 0)); // still sending
        clock.addAndGet(Sampler.IDLE_NANOS / 2 + 1);
        assertThat(s.rateByService()).containsOnlyKeys("service:,env:", "service:svc-0,env:");
    }

    @Test
    void prioritiesDecide() {
        Sampler s = new Sampler(10, 10, clock::get);
        assertThat(s.sample(trace(1, "a", -1, 0))).isEqualTo(Sampler.Decision.DROP_USER_REJECT);
        assertThat(s.sample(trace(1, "a", -1, 1))).as("a user reject is dropped even with an error")
                .isEqualTo(Sampler.Decision.DROP_USER_REJECT);
        assertThat(s.sample(trace(2, "a", 1, 0))).isEqualTo(Sampler.Decision.KEEP_PRIORITY);
        assertThat(s.sample(trace(3, "a", 2, 0))).isEqualTo(Sampler.Decision.KEEP_PRIORITY);
        assertThat(s.sample(trace(4, "a", 0, 0))).isEqualTo(Sampler.Decision.DROP_AUTO_REJECT);
        assertThat(s.sample(trace(5, "a", 0, 1))).as("error traces are kept").isEqualTo(Sampler.Decision.KEEP_ERROR);
    }

    @Test
    void errorSamplerIsRateLimited() {
        Sampler s = new Sampler(10, 3, clock::get);
        int kept = 0;
        for (int i = 0; i < 20; i++) {
            if (s.sample(trace(100 + i, "e", 0, 1)).keep) {
                kept++;
            }
        }
        assertThat(kept).isEqualTo(3);
        clock.addAndGet(1_000_000_000L); // one second later: 3 more tokens
        kept = 0;
        for (int i = 0; i < 20; i++) {
            if (s.sample(trace(200 + i, "e", 0, 1)).keep) {
                kept++;
            }
        }
        assertThat(kept).isEqualTo(3);
    }

    @Test
    void ratesMoveTowardTheTargetPerService() {
        Sampler s = new Sampler(10, 10, clock::get);
        // 100 traces per second for 10 s on "busy", 2 per second on "quiet"
        for (int sec = 0; sec < 11; sec++) {
            for (int i = 0; i < 100; i++) {
                s.sample(trace(sec * 1000L + i + 1, "busy", 1, 0));
            }
            for (int i = 0; i < 2; i++) {
                s.sample(trace(sec * 1000L + i + 1, "quiet", 1, 0));
            }
            clock.addAndGet(1_000_000_000L);
        }
        s.sample(trace(99_999, "busy", 1, 0));
        s.sample(trace(99_999, "quiet", 1, 0));
        assertThat(s.rateByService().get("service:busy,env:")).isBetween(0.09, 0.11);
        assertThat(s.rateByService().get("service:quiet,env:")).isEqualTo(1.0);
        assertThat(s.rateByService().get("service:,env:")).isEqualTo(1.0);
    }

    @Test
    void tracesTheClientDroppedCountTowardTheRate() {
        Sampler s = new Sampler(10, 10, clock::get);
        Sampler blind = new Sampler(10, 10, clock::get);
        // a tracer that keeps 1 trace per second and drops 999 priority-0 ones itself: a surge after a
        // second, then a whole window
        for (int sec = 0; sec < 12; sec++) {
            s.countDropped("service:p0,env:", 999);
            s.sample(trace(sec + 1, "p0", 1, 0));
            blind.sample(trace(sec + 1, "p0", 1, 0));
            clock.addAndGet(1_000_000_000L);
        }
        assertThat(s.rateByService().get("service:p0,env:")).as("about 10 / 1000 traces per second")
                .isBetween(0.009, 0.011);
        assertThat(blind.rateByService().get("service:p0,env:")).as("what it would be without the count")
                .isEqualTo(1.0);
    }

    @Test
    void aSurgeLowersTheRateAfterASecondNotAtTheEndOfTheWindow() {
        Sampler s = new Sampler(10, 10, clock::get);
        s.sample(trace(1, "quiet", 1, 0));
        clock.addAndGet(20_000_000_000L); // a quiet service: rate 1
        assertThat(s.rateByService().get("service:quiet,env:")).isEqualTo(1.0);
        for (int ms = 0; ms <= 1000; ms++) { // then a load test: 1000 traces per second
            s.sample(trace(ms + 2, "quiet", 1, 0));
            clock.addAndGet(1_000_000L);
        }
        assertThat(s.rateByService().get("service:quiet,env:")).isBetween(0.009, 0.011);
    }

    @Test
    void aRateRisesAgainWhenTheLoadStopsEvenIfTheServiceSendsNothing() {
        Sampler s = new Sampler(10, 10, clock::get);
        for (int sec = 0; sec < 11; sec++) {
            s.countDropped("service:busy,env:", 999); // a load test: the tracer drops nearly everything
            clock.addAndGet(1_000_000_000L);
        }
        assertThat(s.rateByService().get("service:busy,env:")).isLessThan(0.02);
        // the load stops: the tracer's rare requests to the intake (its dropped-count reports) read the rates
        clock.addAndGet(10_000_000_000L);
        assertThat(s.rateByService().get("service:busy,env:")).isEqualTo(1.0);
    }

    @Test
    void tracesWithoutPriorityAreKeptByTheDeterministicRule() {
        assertThat(Sampler.keepByRate(12345, 1.0)).isTrue();
        assertThat(Sampler.keepByRate(12345, 0.0)).isFalse();
        int kept = 0;
        for (long id = 1; id <= 100_000; id++) {
            if (Sampler.keepByRate(id * 0x9E3779B97F4A7C15L, 0.25)) {
                kept++;
            }
        }
        assertThat(kept).isBetween(24_000, 26_000);
        // the rule itself: id * 1111111111111111111 mod 2^64 < rate * 2^64
        long id = 7;
        long product = id * Sampler.KNUTH_FACTOR; // 7777777777777777777 < 2^63
        assertThat(Sampler.keepByRate(id, product / 0x1p64 + 1e-6)).isTrue();
        assertThat(Sampler.keepByRate(id, product / 0x1p64 - 1e-6)).isFalse();
    }
}

package io.donuttracing.collector.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the collector, under the {@code collector.} prefix (Spring's relaxed binding also
 * reads them from the environment: {@code collector.span-budget} is {@code COLLECTOR_SPAN_BUDGET}). The
 * Datadog agent's own environment variables are mapped in {@code application.properties}:
 * {@code DD_APM_RECEIVER_PORT} (the port, via {@code server.port}), {@code DD_APM_NON_LOCAL_TRAFFIC},
 * {@code DD_APM_TARGET_TPS}, {@code DD_APM_ERROR_TPS}, {@code DD_APM_OBFUSCATION_REDIS_ENABLED},
 * {@code DD_APM_IGNORE_RESOURCES}, {@code DD_APM_FILTER_TAGS_REQUIRE} and its three siblings,
 * {@code DD_APM_RECEIVER_TIMEOUT}.
 */
@ConfigurationProperties("collector")
public class CollectorProperties {
    /** Listen on all interfaces instead of 127.0.0.1 ({@code DD_APM_NON_LOCAL_TRAFFIC=true}). */
    private boolean nonLocalTraffic;
    /** How many spans the store keeps; the oldest traces are evicted beyond it. */
    private int spanBudget = 100_000;
    /**
     * How much heap the stored spans may take, roughly ({@code 256MB}); unset is a quarter of the largest
     * heap. The oldest traces are evicted beyond it, as beyond the span budget.
     */
    private DataSize memoryBudget;
    /** The largest request body accepted; larger gets 413. The agent's default is 25 MiB. */
    private long maxRequestBytes = 25L * 1024 * 1024;
    /**
     * How many request bodies are read and decoded at once; 0 is one per CPU, the agent's number, but at most
     * one per 128 MiB of heap. A payload that finds none free within a second gets 429.
     */
    private int decoders;
    /**
     * How much heap the decoders may fill at once ({@code 64MB}), shared equally between them; unset is a quarter
     * of the largest heap. A body that would decode into more than its decoder's share gets 413.
     */
    private DataSize decodeBudget;
    private static final Duration DEFAULT_RECEIVER_TIMEOUT = Duration.ofSeconds(5);
    /** About 24.8 days: the longest read timeout Tomcat takes. */
    static final Duration LONGEST_RECEIVER_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);
    /**
     * How long a request body may take to arrive ({@code DD_APM_RECEIVER_TIMEOUT}, in seconds, as the agent's
     * receiver timeout); past it, 408. A body holds a decoder while it arrives: without a bound, a client sending a
     * byte now and then would hold it for ever, and the other tracers would get 429.
     */
    private Duration receiverTimeout = DEFAULT_RECEIVER_TIMEOUT;
    /** Traces per second per (service, env) that the published sampling rates aim at. */
    private double targetTps = 10;
    /** Traces per second kept by the error sampler among those the priority sampler would drop. */
    private double errorTps = 10;
    /** How long span statistics (10 s buckets) are kept. */
    private Duration statsRetention = Duration.ofMinutes(30);
    /**
     * Regular expressions, comma-separated (each may be in double quotes): traces whose root's resource
     * matches one are dropped on arrival, as health checks usually are ({@code DD_APM_IGNORE_RESOURCES}).
     */
    private String ignoreResources = "";
    /**
     * Traces whose root lacks a tag {@code require} names, or has one {@code reject} names, are dropped on
     * arrival ({@code DD_APM_FILTER_TAGS_REQUIRE}, {@code DD_APM_FILTER_TAGS_REJECT}): rules {@code key} or
     * {@code key:value}, separated by spaces or as a JSON array.
     */
    private final TagRules filterTags = new TagRules();
    /** The same with a regular expression for the value ({@code DD_APM_FILTER_TAGS_REGEX_REQUIRE}, {@code _REJECT}). */
    private final TagRules filterTagsRegex = new TagRules();
    private final Obfuscation obfuscation = new Obfuscation();

    /** One pair of tag-rule settings, {@code require} and {@code reject} (read by {@code processing.FilterTags}). */
    public static class TagRules {
        private String require = "";
        private String reject = "";

        public String getRequire() {
            return require;
        }

        public void setRequire(String require) {
            this.require = require;
        }

        public String getReject() {
            return reject;
        }

        public void setReject(String reject) {
            this.reject = reject;
        }
    }
    private final Export export = new Export();

    public static class Obfuscation {
        /** Replace SQL literals by {@code ?} in resources and {@code sql.query} of {@code type=sql} spans. */
        private boolean sql = true;
        /** Quantize Redis resources to command names and hide values in {@code redis.raw_command}. */
        private boolean redis = true;

        public boolean isSql() {
            return sql;
        }

        public void setSql(boolean sql) {
            this.sql = sql;
        }

        public boolean isRedis() {
            return redis;
        }

        public void setRedis(boolean redis) {
            this.redis = redis;
        }
    }

    public static class Export {
        /** Zipkin's span endpoint, e.g. {@code http://127.0.0.1:9411/api/v2/spans}; empty = no export. */
        private String zipkinUrl = "";
        /** Spans waiting for export at most; more are dropped and counted. */
        private int queueSpans = 10_000;
        /** Spans per request to Zipkin at most. */
        private int batchSpans = 1_000;
        /** Timeout of one request to Zipkin. */
        private Duration timeout = Duration.ofSeconds(5);

        public String getZipkinUrl() {
            return zipkinUrl;
        }

        public void setZipkinUrl(String zipkinUrl) {
            this.zipkinUrl = zipkinUrl;
        }

        public int getQueueSpans() {
            return queueSpans;
        }

        public void setQueueSpans(int queueSpans) {
            this.queueSpans = queueSpans;
        }

        public int getBatchSpans() {
            return batchSpans;
        }

        public void setBatchSpans(int batchSpans) {
            this.batchSpans = batchSpans;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    public boolean isNonLocalTraffic() {
        return nonLocalTraffic;
    }

    public void setNonLocalTraffic(boolean nonLocalTraffic) {
        this.nonLocalTraffic = nonLocalTraffic;
    }

    public int getSpanBudget() {
        return spanBudget;
    }

    public void setSpanBudget(int spanBudget) {
        this.spanBudget = spanBudget;
    }

    public DataSize getMemoryBudget() {
        return memoryBudget;
    }

    public void setMemoryBudget(DataSize memoryBudget) {
        this.memoryBudget = memoryBudget;
    }

    public long getMaxRequestBytes() {
        return maxRequestBytes;
    }

    public void setMaxRequestBytes(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    public DataSize getDecodeBudget() {
        return decodeBudget;
    }

    public void setDecodeBudget(DataSize decodeBudget) {
        this.decodeBudget = decodeBudget;
    }

    public Duration getReceiverTimeout() {
        return receiverTimeout;
    }

    /**
     * 0 or less is the default, as in the agent. At most {@link #LONGEST_RECEIVER_TIMEOUT}: Tomcat's read timeout is
     * an int of milliseconds, and a body's deadline a long of nanoseconds, which 9999999999 s would overflow.
     */
    public void setReceiverTimeout(Duration receiverTimeout) {
        if (receiverTimeout.isNegative() || receiverTimeout.isZero()) {
            receiverTimeout = DEFAULT_RECEIVER_TIMEOUT;
        }
        this.receiverTimeout = receiverTimeout.compareTo(LONGEST_RECEIVER_TIMEOUT) > 0 ? LONGEST_RECEIVER_TIMEOUT
                : receiverTimeout;
    }

    public int getDecoders() {
        return decoders;
    }

    public void setDecoders(int decoders) {
        this.decoders = decoders;
    }

    public double getTargetTps() {
        return targetTps;
    }

    public void setTargetTps(double targetTps) {
        this.targetTps = targetTps;
    }

    public double getErrorTps() {
        return errorTps;
    }

    public void setErrorTps(double errorTps) {
        this.errorTps = errorTps;
    }

    public Duration getStatsRetention() {
        return statsRetention;
    }

    public void setStatsRetention(Duration statsRetention) {
        this.statsRetention = statsRetention;
    }

    public String getIgnoreResources() {
        return ignoreResources;
    }

    public void setIgnoreResources(String ignoreResources) {
        this.ignoreResources = ignoreResources;
    }

    public TagRules getFilterTags() {
        return filterTags;
    }

    public TagRules getFilterTagsRegex() {
        return filterTagsRegex;
    }

    public Obfuscation getObfuscation() {
        return obfuscation;
    }

    public Export getExport() {
        return export;
    }
}

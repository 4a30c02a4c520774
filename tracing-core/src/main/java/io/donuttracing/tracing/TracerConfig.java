package io.donuttracing.tracing;

import io.donuttracing.tracing.sampling.Sampler;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything a {@link Tracer} can be told, immutable. Read it from Datadog's names:
 *
 * <table>
 *   <caption>Settings: system property / environment variable, default</caption>
 *   <tr><td>{@code dd.trace.enabled} / {@code DD_TRACE_ENABLED}</td><td>true; false keeps spans in-process and sends nothing, and so does any other value (with a warning), as the Spring conditions on it read it</td></tr>
 *   <tr><td>{@code dd.service} / {@code DD_SERVICE}</td><td>{@code unnamed-java-service}</td></tr>
 *   <tr><td>{@code dd.env} / {@code DD_ENV}</td><td>none</td></tr>
 *   <tr><td>{@code dd.version} / {@code DD_VERSION}</td><td>none</td></tr>
 *   <tr><td>{@code dd.agent.host} / {@code DD_AGENT_HOST}</td><td>{@code localhost}</td></tr>
 *   <tr><td>{@code dd.trace.agent.port} / {@code DD_TRACE_AGENT_PORT}</td><td>8126</td></tr>
 *   <tr><td>{@code dd.trace.agent.url} / {@code DD_TRACE_AGENT_URL}</td><td>{@code http://<host>:<port>}; wins over both</td></tr>
 *   <tr><td>{@code dd.trace.agent.protocol.version}</td><td>{@code 0.4} (msgpack); {@code 0.3} sends JSON</td></tr>
 *   <tr><td>{@code dd.trace.sample.rate} / {@code DD_TRACE_SAMPLE_RATE}</td><td>none: follow the agent's rates</td></tr>
 *   <tr><td>{@code dd.trace.rate.limit} / {@code DD_TRACE_RATE_LIMIT}</td><td>100 traces a second at most kept by that rate</td></tr>
 *   <tr><td>{@code dd.trace.propagation.style} / {@code DD_TRACE_PROPAGATION_STYLE}</td><td>{@code datadog,tracecontext}</td></tr>
 *   <tr><td>{@code dd.trace.propagation.style.extract} / {@code ..._EXTRACT}</td><td>the above</td></tr>
 *   <tr><td>{@code dd.trace.propagation.style.inject} / {@code ..._INJECT}</td><td>the above</td></tr>
 *   <tr><td>{@code dd.trace.debug} / {@code DD_TRACE_DEBUG}</td><td>false; true logs every finished span</td></tr>
 *   <tr><td>{@code dd.logs.injection} / {@code DD_LOGS_INJECTION}</td><td>true: {@code dd.trace_id}, {@code dd.span_id} in SLF4J's MDC</td></tr>
 *   <tr><td>{@code dd.trace.stats.computation.enabled} / {@code DD_TRACE_STATS_COMPUTATION_ENABLED}</td><td>true: when
 *       the agent allows it ({@code client_drop_p0s}), traces sampled out are not sent; their spans' stats are</td></tr>
 *   <tr><td>{@code dd.trace.partial.flush.min.spans}</td><td>1000 finished spans send a long trace in parts</td></tr>
 *   <tr><td>{@code dd.trace.pending.timeout}</td><td>10 (s) after its root finished, a trace is sent without its late children</td></tr>
 *   <tr><td>{@code dd.trace.flush.interval}</td><td>1 (s) between sends at most</td></tr>
 *   <tr><td>{@code dd.trace.agent.timeout}</td><td>10 (s) per request to the agent</td></tr>
 *   <tr><td>{@code dd.trace.writer.queue.size}</td><td>1024 traces waiting to be sent, then drop (at most 65,536); and at most 100,000 spans, however few traces</td></tr>
 * </table>
 *
 * {@link #fromEnvironment()} reads system properties first, then environment variables;
 * {@link #from(Function)} reads any source by the dotted name, e.g. Spring's {@code Environment::getProperty}
 * (whose relaxed binding also finds {@code DD_SERVICE} for {@code dd.service}).
 */
public final class TracerConfig {
  public static final String DEFAULT_SERVICE = "unnamed-java-service";
  public static final String DEFAULT_PROPAGATION_STYLE = "datadog,tracecontext";
  private static final String DEFAULT_AGENT_URL = "http://localhost:8126";
  private static final Duration DEFAULT_PENDING_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
  private static final Duration DEFAULT_AGENT_TIMEOUT = Duration.ofSeconds(10);
  /** A shorter flush interval would keep the sender thread from ever sleeping. */
  private static final Duration MIN_FLUSH_INTERVAL = Duration.ofMillis(10);
  /**
   * The writer's queue is an array made at start: a size of 2,000,000,000 would throw OutOfMemoryError from
   * {@link Tracer#create}. 64 times the default is room enough for any burst an agent can take.
   */
  static final int MAX_QUEUE_SIZE = 1 << 16;

  private final boolean enabled;
  private final String service;
  private final String env;
  private final String version;
  private final String agentUrl;
  private final String protocolVersion;
  private final Double sampleRate;
  private final int rateLimit;
  private final String propagationStyleExtract;
  private final String propagationStyleInject;
  private final boolean debug;
  private final boolean logsInjection;
  private final boolean statsComputation;
  private final int partialFlushMinSpans;
  private final Duration pendingTimeout;
  private final Duration flushInterval;
  private final Duration agentTimeout;
  private final int queueSize;

  private TracerConfig(Builder b) {
    this.enabled = b.enabled;
    this.service = b.service == null || b.service.isBlank() ? DEFAULT_SERVICE : b.service;
    this.env = blankToNull(b.env);
    this.version = blankToNull(b.version);
    this.agentUrl = agentUrl(b.agentUrl);
    this.protocolVersion = "0.3".equals(b.protocolVersion) ? "0.3" : "0.4";
    this.sampleRate = b.sampleRate;
    this.rateLimit = Math.max(1, b.rateLimit); // as dd-trace-java's limiter: at least one a second
    this.propagationStyleExtract = b.propagationStyleExtract;
    this.propagationStyleInject = b.propagationStyleInject;
    this.debug = b.debug;
    this.logsInjection = b.logsInjection;
    this.statsComputation = b.statsComputation;
    this.partialFlushMinSpans = Math.max(1, b.partialFlushMinSpans);
    // A duration that would break the writer (a zero timeout, a sender that never sleeps) is no setting: the default.
    this.pendingTimeout = atMostADay(b.pendingTimeout.isNegative() ? DEFAULT_PENDING_TIMEOUT : b.pendingTimeout);
    Duration interval = atMostADay(positiveOr(b.flushInterval, DEFAULT_FLUSH_INTERVAL));
    this.flushInterval = interval.compareTo(MIN_FLUSH_INTERVAL) < 0 ? MIN_FLUSH_INTERVAL : interval;
    this.agentTimeout = atMostADay(positiveOr(b.agentTimeout, DEFAULT_AGENT_TIMEOUT));
    this.queueSize = Math.min(MAX_QUEUE_SIZE, Math.max(1, b.queueSize));
  }

  /** The defaults: service {@code unnamed-java-service}, agent on {@code http://localhost:8126}. */
  public static TracerConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values, to change a few. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.service = service;
    b.env = env;
    b.version = version;
    b.agentUrl = agentUrl;
    b.protocolVersion = protocolVersion;
    b.sampleRate = sampleRate;
    b.rateLimit = rateLimit;
    b.propagationStyleExtract = propagationStyleExtract;
    b.propagationStyleInject = propagationStyleInject;
    b.debug = debug;
    b.logsInjection = logsInjection;
    b.statsComputation = statsComputation;
    b.partialFlushMinSpans = partialFlushMinSpans;
    b.pendingTimeout = pendingTimeout;
    b.flushInterval = flushInterval;
    b.agentTimeout = agentTimeout;
    b.queueSize = queueSize;
    return b;
  }

  /** From {@code dd.*} system properties, then {@code DD_*} environment variables. */
  public static TracerConfig fromEnvironment() {
    return from(name -> {
      String value = System.getProperty(name);
      return value != null ? value : System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    });
  }

  /**
   * From any source of settings, asked by their dotted names ({@code dd.service}, {@code dd.trace.agent.url}, ...).
   * Unparsable values fall back to the default, and so do a zero or negative agent timeout or flush interval,
   * a negative pending timeout and a sample rate that is not a number; durations are held to a day at most.
   */
  public static TracerConfig from(Function<String, String> settings) {
    Builder b = builder();
    b.enabled(enabled(settings.apply("dd.trace.enabled")));
    b.service(settings.apply("dd.service"));
    b.env(settings.apply("dd.env"));
    b.version(settings.apply("dd.version"));
    String url = settings.apply("dd.trace.agent.url");
    if (url == null || url.isBlank()) {
      String host = settings.apply("dd.agent.host");
      String port = settings.apply("dd.trace.agent.port");
      url = "http://" + (host == null || host.isBlank() ? "localhost" : host.trim()) + ":"
          + integer(port, 8126);
    }
    b.agentUrl(url.trim());
    String protocol = settings.apply("dd.trace.agent.protocol.version");
    if (protocol != null) {
      b.protocolVersion(protocol.trim());
    }
    String rate = settings.apply("dd.trace.sample.rate");
    if (rate != null && !rate.isBlank()) {
      try {
        double r = Double.parseDouble(rate.trim());
        b.sampleRate(Double.isNaN(r) ? null : r);
      } catch (NumberFormatException ignored) {
        // an unreadable rate is no rate: follow the agent
      }
    }
    b.rateLimit(integer(settings.apply("dd.trace.rate.limit"), Sampler.DEFAULT_RATE_LIMIT));
    String style = settings.apply("dd.trace.propagation.style");
    String extract = settings.apply("dd.trace.propagation.style.extract");
    String inject = settings.apply("dd.trace.propagation.style.inject");
    String base = style == null || style.isBlank() ? DEFAULT_PROPAGATION_STYLE : style;
    b.propagationStyleExtract(extract == null || extract.isBlank() ? base : extract);
    b.propagationStyleInject(inject == null || inject.isBlank() ? base : inject);
    b.debug(bool(settings.apply("dd.trace.debug"), false));
    b.logsInjection(bool(settings.apply("dd.logs.injection"), true));
    b.statsComputation(bool(settings.apply("dd.trace.stats.computation.enabled"), true));
    b.partialFlushMinSpans(integer(settings.apply("dd.trace.partial.flush.min.spans"), 1000));
    b.pendingTimeout(Duration.ofMillis((long) (decimal(settings.apply("dd.trace.pending.timeout"), 10) * 1000)));
    b.flushInterval(Duration.ofMillis((long) (decimal(settings.apply("dd.trace.flush.interval"), 1) * 1000)));
    b.agentTimeout(Duration.ofMillis((long) (decimal(settings.apply("dd.trace.agent.timeout"), 10) * 1000)));
    b.queueSize(integer(settings.apply("dd.trace.writer.queue.size"), 1024));
    return b.build();
  }

  /**
   * {@code dd.trace.enabled} as Spring's {@code @ConditionalOnBooleanProperty}, which leaves out the filter and the
   * wrappers, reads it: on when unset or {@code true} (any case), off for anything else. Read as the other switches
   * are ({@code 1} on, {@code yes} the default), {@code DD_TRACE_ENABLED=1} left the tracer on and its integrations
   * out: the code's own spans, each a trace of its own, and no request spans.
   */
  private static boolean enabled(String value) {
    if (value == null || value.equalsIgnoreCase("true")) {
      return true;
    }
    if (!value.equalsIgnoreCase("false")) {
      System.getLogger(TracerConfig.class.getName()).log(System.Logger.Level.WARNING,
          "dd.trace.enabled \"" + value + "\" is neither true nor false: tracing is off");
    }
    return false;
  }

  private static boolean bool(String value, boolean fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    return v.equals("true") || v.equals("1") || (!v.equals("false") && !v.equals("0") && fallback);
  }

  private static int integer(String value, int fallback) {
    try {
      return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static double decimal(String value, double fallback) {
    try {
      return value == null || value.isBlank() ? fallback : Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /**
   * The agent's URL without a trailing slash. One the JDK's HTTP client cannot call (not {@code http} or
   * {@code https}, such as Datadog's {@code unix://} sockets, or no host) is replaced by the default, with a
   * warning: a tracer must never fail the application it traces.
   */
  private static String agentUrl(String url) {
    if (url == null) {
      return DEFAULT_AGENT_URL;
    }
    String stripped = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    try {
      URI uri = new URI(stripped);
      if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) && uri.getHost() != null) {
        return stripped;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    System.getLogger(TracerConfig.class.getName()).log(System.Logger.Level.WARNING,
        "dd.trace.agent.url \"" + url + "\" is not an http(s) URL with a host; sending to " + DEFAULT_AGENT_URL);
    return DEFAULT_AGENT_URL;
  }

  /** Longer is as good as never, and in nanoseconds (as the tracer counts time) it would overflow a long. */
  private static Duration atMostADay(Duration d) {
    return d.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : d;
  }

  private static Duration positiveOr(Duration d, Duration fallback) {
    return d.isNegative() || d.isZero() ? fallback : d;
  }

  public boolean enabled() {
    return enabled;
  }

  public String service() {
    return service;
  }

  /** Null when unset. */
  public String env() {
    return env;
  }

  /** Null when unset. */
  public String version() {
    return version;
  }

  /** Without a trailing slash, e.g. {@code http://localhost:8126}. */
  public String agentUrl() {
    return agentUrl;
  }

  /** {@code 0.4} (msgpack) or {@code 0.3} (JSON). */
  public String protocolVersion() {
    return protocolVersion;
  }

  /** Null when unset. */
  public Double sampleRate() {
    return sampleRate;
  }

  /** Traces a second that the {@link #sampleRate()} rule may keep; those over it are rejected. */
  public int rateLimit() {
    return rateLimit;
  }

  public String propagationStyleExtract() {
    return propagationStyleExtract;
  }

  public String propagationStyleInject() {
    return propagationStyleInject;
  }

  public boolean debug() {
    return debug;
  }

  public boolean logsInjection() {
    return logsInjection;
  }

  /**
   * Whether the writer may drop traces sampled out (priority 0 or below, no error) and send their spans'
   * stats instead, when the agent's {@code /info} says it accepts that.
   */
  public boolean statsComputation() {
    return statsComputation;
  }

  public int partialFlushMinSpans() {
    return partialFlushMinSpans;
  }

  public Duration pendingTimeout() {
    return pendingTimeout;
  }

  public Duration flushInterval() {
    return flushInterval;
  }

  public Duration agentTimeout() {
    return agentTimeout;
  }

  public int queueSize() {
    return queueSize;
  }

  @Override
  public String toString() {
    return "TracerConfig{enabled=" + enabled + ", service=" + service + ", env=" + env + ", version=" + version
        + ", agentUrl=" + agentUrl + ", protocol=v" + protocolVersion + ", sampleRate=" + sampleRate + ", rateLimit=" + rateLimit
        + ", propagation extract=" + propagationStyleExtract + " inject=" + propagationStyleInject
        + ", debug=" + debug + ", logsInjection=" + logsInjection
        + ", statsComputation=" + statsComputation + "}";
  }

  /** Builds a {@link TracerConfig}; unset values keep their defaults. */
  public static final class Builder {
    private boolean enabled = true;
    private String service;
    private String env;
    private String version;
    private String agentUrl;
    private String protocolVersion = "0.4";
    private Double sampleRate;
    private int rateLimit = Sampler.DEFAULT_RATE_LIMIT;
    private String propagationStyleExtract = DEFAULT_PROPAGATION_STYLE;
    private String propagationStyleInject = DEFAULT_PROPAGATION_STYLE;
    private boolean debug;
    private boolean logsInjection = true;
    private boolean statsComputation = true;
    private int partialFlushMinSpans = 1000;
    private Duration pendingTimeout = DEFAULT_PENDING_TIMEOUT;
    private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    private Duration agentTimeout = DEFAULT_AGENT_TIMEOUT;
    private int queueSize = 1024;

    private Builder() {}

    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    public Builder service(String service) {
      this.service = service;
      return this;
    }

    public Builder env(String env) {
      this.env = env;
      return this;
    }

    public Builder version(String version) {
      this.version = version;
      return this;
    }

    public Builder agentUrl(String agentUrl) {
      this.agentUrl = agentUrl;
      return this;
    }

    public Builder protocolVersion(String protocolVersion) {
      this.protocolVersion = protocolVersion;
      return this;
    }

    public Builder sampleRate(Double sampleRate) {
      this.sampleRate = sampleRate;
      return this;
    }

    public Builder rateLimit(int tracesPerSecond) {
      this.rateLimit = tracesPerSecond;
      return this;
    }

    /** Both extraction and injection styles, e.g. {@code "datadog,tracecontext"}. */
    public Builder propagationStyle(String styles) {
      this.propagationStyleExtract = styles;
      this.propagationStyleInject = styles;
      return this;
    }

    public Builder propagationStyleExtract(String styles) {
      this.propagationStyleExtract = styles;
      return this;
    }

    public Builder propagationStyleInject(String styles) {
      this.propagationStyleInject = styles;
      return this;
    }

    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    public Builder logsInjection(boolean logsInjection) {
      this.logsInjection = logsInjection;
      return this;
    }

    public Builder statsComputation(boolean statsComputation) {
      this.statsComputation = statsComputation;
      return this;
    }

    public Builder partialFlushMinSpans(int spans) {
      this.partialFlushMinSpans = spans;
      return this;
    }

    public Builder pendingTimeout(Duration timeout) {
      this.pendingTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    public Builder flushInterval(Duration interval) {
      this.flushInterval = Objects.requireNonNull(interval);
      return this;
    }

    public Builder agentTimeout(Duration timeout) {
      this.agentTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    public Builder queueSize(int traces) {
      this.queueSize = traces;
      return this;
    }

    public TracerConfig build() {
      return new TracerConfig(this);
    }
  }
}

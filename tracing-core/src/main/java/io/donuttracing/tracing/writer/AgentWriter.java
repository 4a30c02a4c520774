package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends finished traces to the Datadog agent (or to anything that speaks its intake, like our collector).
 * After OpenTelemetry's {@code BatchSpanProcessor}: the application thread only offers the trace to a
 * bounded queue; one daemon thread takes traces from it, batches them, and sends a batch when it holds
 * {@value #MAX_BATCH_SPANS} spans or when the flush interval (1 s) has passed. A batch's body is also kept to
 * {@link #MAX_BATCH_BYTES} (each trace is encoded as it joins the batch; one that would take the body past it
 * starts the next request), so that a second of stack traces goes in several requests the agent takes rather
 * than in one over its 25 MiB, which it would refuse whole. At low traffic a finished
 * trace is sent at once, up to {@value #PROMPT_SENDS} times per interval: a learner who makes one request and
 * looks at the collector finds the trace there, while under load traces still leave in batches (once a
 * trace of the interval has been dropped, see below, traffic is high and the kept ones wait for the tick).
 *
 * <p>Sending: {@code PUT /v0.4/traces} as msgpack (or {@code /v0.3/traces} as JSON) with the headers the
 * agent reads ({@code X-Datadog-Trace-Count}, {@code Datadog-Meta-Lang}, ...). Each 2xx answer carries the
 * agent's {@code rate_by_service}, handed to the sampler.
 *
 * <p>Traces sampled out (priority 0 or below) without an error are not sent when the agent allows it
 * ({@code client_drop_p0s} and {@code /v0.6/stats} in its {@code /info}, version 7.65.0 or later; read when
 * the writer starts and again whenever an answer's {@code Datadog-Agent-State} says it changed): their spans
 * are counted in {@link ClientStats}, sent to {@code /v0.6/stats} every 10 s, and each trace request tells the agent how
 * many were dropped ({@code Datadog-Client-Dropped-P0-Traces} and {@code -Spans}) so that its sampling
 * rates stay right. At high traffic, when the agent keeps a few traces a second, this is what keeps
 * tracing cheap. They are counted by the thread that finished them, not queued: its core still has the
 * spans in its cache, and the queue's lock and the sender thread are spared one trace per request. The stats
 * hold a bounded number of groups ({@link ClientStats#MAX_GROUPS}); past it, a trace is sent instead.
 *
 * <p>Traces whose root the agent's filters reject (from its {@code /info}: {@code ignore_resources}, health
 * checks usually, and {@code filter_tags}) are neither sent nor counted in the stats: {@link TraceFilter}. A trace
 * its expressions could not decide in time is sent, kept or not, for the agent to decide.
 *
 * <p>Failure is normal and cheap: a full queue drops the new trace; an agent that is down, slow or refusing
 * loses the batch being sent (slow: no whole answer within the agent timeout, {@code dd.trace.agent.timeout}). Both are counted ({@link #counters()}) and reported in a warning at most once
 * a minute. The next batch tries again, so sending resumes as soon as the agent is back.
 *
 * <p>{@link #close()} (and a JVM shutdown hook) sends what is still queued, waiting for it at most
 * {@link #CLOSE_WAIT}, then at most a second more for the sender thread to stop: an agent that hangs must not hold
 * up the application's exit.
 */
public final class AgentWriter implements TraceWriter {
  /** A batch is sent as soon as it holds this many spans. */
  public static final int MAX_BATCH_SPANS = 5000;
  /** The most a request's body holds (but for a single trace larger than that, sent alone): dd-trace-java's 5 MiB. */
  public static final int MAX_BATCH_BYTES = 5 << 20;
  /** Sends per flush interval that go out as soon as a trace is queued; after them, traces wait for the tick. */
  public static final int PROMPT_SENDS = 10;
  /**
   * The most spans the queue holds, whatever its size in traces: 1,024 long traces flushed in parts of 1,000
   * spans would otherwise hold a million spans (hundreds of MB) while the agent is down.
   */
  public static final int MAX_QUEUED_SPANS = 100_000;
  /** How long {@link #close()} waits for the last batch to be sent (dd-trace-java waits 1 s). */
  public static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
  private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+)");
  private static final String STATS_PATH = "/v0.6/stats";
  /** The longest answer read from the agent. */
  static final int MAX_ANSWER_BYTES = 1 << 20;

  private final System.Logger log = System.getLogger(AgentWriter.class.getName());
  private final TracerConfig config;
  private final URI uri;
  private final URI infoUri;
  private final URI statsUri;
  /** Null when {@code dd.trace.stats.computation.enabled} is false: every trace is sent. */
  private final ClientStats clientStats;
  private final TraceEncoder encoder;
  private final Duration flushInterval;
  private final Duration timeout;
  private final Consumer<Map<String, Double>> rateListener;
  private final ArrayBlockingQueue<List<Span>> queue;
  /** The spans of the traces in the queue: added before a trace is offered, taken off when it leaves. */
  private final AtomicInteger queuedSpans = new AtomicInteger();
  private final int wakeAt;
  private final HttpClient http;
  private final Thread sender;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private final AtomicLong tracesSent = new AtomicLong();
  private final AtomicLong spansSent = new AtomicLong();
  private final AtomicLong tracesDroppedFull = new AtomicLong();
  private final AtomicLong spansDroppedFull = new AtomicLong();
  private final AtomicLong tracesDroppedFailed = new AtomicLong();
  private final AtomicLong spansDroppedFailed = new AtomicLong();
  // LongAdders: every request whose trace is dropped counts, on many threads at once
  private final LongAdder tracesDroppedP0 = new LongAdder();
  private final LongAdder spansDroppedP0 = new LongAdder();
  private final LongAdder tracesFiltered = new LongAdder();
  private final LongAdder spansFiltered = new LongAdder();
  private final AtomicLong requestsSent = new AtomicLong();
  private final AtomicLong requestsFailed = new AtomicLong();
  private final AtomicLong flushRequested = new AtomicLong();
  private final AtomicLong flushCompleted = new AtomicLong();
  private final AtomicLong lastWarningNanos = new AtomicLong(System.nanoTime() - WARNING_INTERVAL_NANOS);
  private volatile boolean failing;
  /** Reset by the sender thread at each tick; zeroed when a trace is dropped. */
  private volatile int promptSendsLeft = PROMPT_SENDS;
  // What the agent allows (written by the sender thread), and the dropped traces not yet reported to it.
  private String agentState;
  private volatile boolean dropP0s;
  private volatile TraceFilter filter = TraceFilter.NONE;
  private final LongAdder unreportedP0Traces = new LongAdder();
  private final LongAdder unreportedP0Spans = new LongAdder();
  private boolean sentSinceTick;
  private boolean loggedABug;
  /** The spans of the traces the encoder holds, not yet sent (the sender thread's). */
  private int batchSpans;

  /**
   * @param config the agent's URL, the protocol, queue size, flush interval and timeout, env/version/service
   * @param rateListener receives each {@code rate_by_service} the agent returns (the sampler's update method)
   */
  public AgentWriter(TracerConfig config, Consumer<Map<String, Double>> rateListener) {
    this.config = config;
    this.encoder = "0.3".equals(config.protocolVersion())
        ? new JsonEncoder(config.env(), config.version(), config.service())
        : new MsgpackEncoder(config.env(), config.version(), config.service());
    this.uri = URI.create(config.agentUrl() + encoder.path());
    this.infoUri = URI.create(config.agentUrl() + "/info");
    this.statsUri = URI.create(config.agentUrl() + STATS_PATH);
    this.clientStats = config.statsComputation() ? new ClientStats(config.env(), config.version(), config.service()) : null;
    this.flushInterval = config.flushInterval();
    this.timeout = config.agentTimeout();
    this.rateListener = rateListener;
    this.queue = new ArrayBlockingQueue<>(config.queueSize());
    this.wakeAt = Math.max(1, config.queueSize() / 2);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    this.sender = new Thread(this::run, "dd-trace-writer");
    this.sender.setDaemon(true);
    this.sender.start();
    this.shutdownHook = new Thread(this::close, "dd-trace-writer-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // Made while the JVM shuts down (code still tracing then: Tracer.global() makes a new tracer once the
      // application's is closed). No hook can be added any more; the writer works all the same, and close() sends.
    }
  }

  @Override
  public void write(List<Span> chunk) {
    TraceFilter.Verdict verdict = filter.decide(chunk);
    if (verdict == TraceFilter.Verdict.FILTERED) {
      tracesFiltered.increment();
      spansFiltered.add(chunk.size());
    } else if (!closed && verdict == TraceFilter.Verdict.KEPT && isDropped(chunk) && countInStats(chunk)) {
      // counted in the client-side stats instead of sent
    } else if (closed || !enqueue(chunk)) {
      tracesDroppedFull.incrementAndGet();
      spansDroppedFull.addAndGet(chunk.size());
      warn(closed ? "the writer is closed" : "the queue is full (" + queue.size() + " traces, " + queuedSpans.get()
          + " spans): the agent is slow or down");
    } else if (promptSendsLeft > 0) {
      LockSupport.unpark(sender); // traffic is low: send this trace now rather than at the next tick
    } else if (halfFull()) {
      // Half full: take the queued traces into the batch now, lest the queue overflow before the tick. The batch
      // itself still leaves at the tick, or as soon as it holds MAX_BATCH_SPANS spans or MAX_BATCH_BYTES.
      LockSupport.unpark(sender);
    }
  }

  /**
   * Whether the queue holds half its traces or half its spans: long traces reach {@link #MAX_QUEUED_SPANS} with
   * far fewer traces than the queue's size.
   */
  private boolean halfFull() {
    return queue.size() >= wakeAt || queuedSpans.get() >= MAX_QUEUED_SPANS / 2;
  }

  private boolean enqueue(List<Span> chunk) {
    int spans = chunk.size();
    int queued = queuedSpans.addAndGet(spans);
    // A trace larger than the bound fits only an empty queue. And a trace queued as the writer closed is taken
    // back: the sender may have emptied the queue for the last time before it went in, and nothing would send or
    // count it (if the sender took it first, the sender counts it).
    if ((queued > MAX_QUEUED_SPANS && queued != spans) || !queue.offer(chunk) || (closed && queue.remove(chunk))) {
      queuedSpans.addAndGet(-spans);
      return false;
    }
    return true;
  }

  /** The next queued trace, or null. */
  private List<Span> dequeue() {
    List<Span> chunk = queue.poll();
    if (chunk != null) {
      queuedSpans.addAndGet(-chunk.size());
    }
    return chunk;
  }

  @Override
  public boolean flush(Duration wait) {
    long ticket = flushRequested.incrementAndGet();
    LockSupport.unpark(sender);
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (flushCompleted) {
      while (flushCompleted.get() < ticket) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !sender.isAlive()) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(flushCompleted, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public WriterCounters counters() {
    return new WriterCounters(tracesSent.get(), spansSent.get(), tracesDroppedFull.get(), spansDroppedFull.get(),
        tracesDroppedFailed.get(), spansDroppedFailed.get(), tracesDroppedP0.sum(), spansDroppedP0.sum(),
        tracesFiltered.sum(), spansFiltered.sum(), requestsSent.get(), requestsFailed.get(), queue.size());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    flush(CLOSE_WAIT);
    closed = true;
    sender.interrupt();
    try {
      sender.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // the JVM is already shutting down
      }
    }
  }

  private void run() {
    if (clientStats != null) {
      // As Datadog's tracers do, ask what the agent allows before the first trace. It also opens the
      // connection and loads the HTTP client's classes, so that the first trace goes out at once.
      readInfo(null);
    }
    long deadline = System.nanoTime() + flushInterval.toNanos();
    while (!closed) {
      try {
        // Sleep until the next tick unless the queue is half full (to be emptied into the batch, not sent),
        // flush() asks, or a trace waits while prompt sends are left (write() wakes this thread for such a trace,
        // but a wake-up that comes while the HTTP client has this thread parked is lost, hence the look at the
        // queue). Waiting on the queue itself would wake this thread for every trace, and the application would
        // pay a context switch per request.
        long wait = deadline - System.nanoTime();
        boolean promptSendDue = promptSendsLeft > 0 && !queue.isEmpty();
        if (wait > 0 && !halfFull() && flushRequested.get() == flushCompleted.get() && !promptSendDue) {
          LockSupport.parkNanos(this, wait);
        }
        if (Thread.interrupted() && closed) {
          break;
        }
        long requested = flushRequested.get();
        // what is queued now, and no more: under a stream of new traces, the tick and a flush still come (fewer
        // if a write takes its trace back as the writer closes: enqueue)
        List<Span> chunk;
        for (int n = queue.size(); n > 0 && (chunk = dequeue()) != null; n--) {
          add(chunk);
        }
        boolean flushNow = requested > flushCompleted.get();
        boolean tick = System.nanoTime() - deadline >= 0;
        boolean prompt = promptSendsLeft > 0 && encoder.traces() > 0;
        if (flushNow || tick || prompt) {
          // Dropped traces are reported with the next traces sent, which tell the agent whose they were. When a
          // whole interval sent none, the report goes alone: its answer carries fresh rates, which is how a
          // tracer whose rate fell under load learns that the load is over.
          boolean reportAlone = unreportedP0Traces.sum() > 0 && (flushNow || (tick && !sentSinceTick));
          if (encoder.traces() > 0 || reportAlone) {
            send();
          }
          if (flushNow || tick) {
            sendStats(flushNow);
            sentSinceTick = false;
            deadline = System.nanoTime() + flushInterval.toNanos();
            promptSendsLeft = PROMPT_SENDS;
          } else {
            promptSendsLeft--;
          }
        }
        if (flushNow) {
          synchronized (flushCompleted) {
            flushCompleted.set(requested);
            flushCompleted.notifyAll();
          }
        }
      } catch (RuntimeException e) {
        // A bug must not kill the only sender thread: what it held is lost, and counted.
        bug(e);
        failed(encoder.traces(), batchSpans, e.toString());
        encoder.body(); // the batch's body, thrown away: the next batch starts empty
        batchSpans = 0;
      }
    }
    for (List<Span> c; (c = dequeue()) != null; ) {
      tracesDroppedFull.incrementAndGet();
      spansDroppedFull.addAndGet(c.size());
    }
    sendStats(true); // what close() flushed was counted, not sent
  }

  /**
   * Encodes a trace into the batch. A trace that would take the body past {@link #MAX_BATCH_BYTES} sends the
   * batch first and starts the next one; a batch that reaches {@link #MAX_BATCH_SPANS} is sent at once.
   */
  private void add(List<Span> chunk) {
    try {
      if (!encoder.append(chunk, MAX_BATCH_BYTES)) {
        send();
        encoder.append(chunk, MAX_BATCH_BYTES); // an empty body takes it
      }
    } catch (RuntimeException e) { // a bug, on this trace only: the encoder kept the batch whole
      bug(e);
      tracesDroppedFailed.incrementAndGet();
      spansDroppedFailed.addAndGet(chunk.size());
      warn("a trace could not be encoded: " + e);
      return;
    }
    batchSpans += chunk.size();
    if (batchSpans >= MAX_BATCH_SPANS) {
      send();
    }
  }

  /**
   * Whether the chunk is counted in stats rather than sent: the agent allows it, the trace is sampled out, and
   * it holds no error (the agent's error sampler wants those).
   */
  private boolean isDropped(List<Span> chunk) {
    if (!dropP0s) {
      return false;
    }
    int priority = chunk.get(0).samplingPriority();
    if (priority == SamplingPriority.UNSET || SamplingPriority.isKept(priority)) {
      return false;
    }
    for (Span span : chunk) {
      if (span.isError()) {
        return false;
      }
    }
    return true;
  }

  /** Counts a dropped trace in the stats; false when the stats are full and the trace must be sent instead. */
  private boolean countInStats(List<Span> chunk) {
    if (!clientStats.add(chunk)) {
      return false;
    }
    tracesDroppedP0.increment();
    spansDroppedP0.add(chunk.size());
    unreportedP0Traces.increment();
    unreportedP0Spans.add(chunk.size());
    if (promptSendsLeft != 0) {
      promptSendsLeft = 0; // traffic is high: the traces kept wait for the tick's batch
    }
    return true;
  }

  private HttpRequest.Builder request(URI target, String contentType) {
    return HttpRequest.newBuilder(target) // the whole exchange is timed by exchange(), not only its headers
        .header("Content-Type", contentType)
        .header("Datadog-Meta-Lang", "java")
        .header("Datadog-Meta-Lang-Version", System.getProperty("java.version", "unknown"))
        .header("Datadog-Meta-Lang-Interpreter", System.getProperty("java.vm.name", "unknown"))
        .header("Datadog-Meta-Tracer-Version", Tracer.VERSION);
  }

  /** Sends the batch the encoder holds, in one request, and starts the next batch. */
  private void send() {
    int traces = encoder.traces();
    int spans = batchSpans;
    batchSpans = 0;
    try {
      sentSinceTick = true;
      byte[] body = encoder.body();
      HttpRequest.Builder request = request(uri, encoder.contentType())
          .header("X-Datadog-Trace-Count", Integer.toString(traces))
          // without it, an agent too busy to take the batch drops it and answers 200 all the same
          .header("Datadog-Send-Real-Http-Status", "true")
          // the spans carry _dd.top_level (see AddedTags): the agent need not work it out from the chunk
          .header("Datadog-Client-Computed-Top-Level", "true");
      long reportedTraces = unreportedP0Traces.sum();
      long reportedSpans = unreportedP0Spans.sum();
      if (reportedTraces > 0) {
        request.header("Datadog-Client-Dropped-P0-Traces", Long.toString(reportedTraces))
            .header("Datadog-Client-Dropped-P0-Spans", Long.toString(reportedSpans));
      }
      HttpResponse<byte[]> response = exchange(request.PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
      String answer = new String(response.body(), StandardCharsets.UTF_8);
      if (response.statusCode() / 100 == 2) {
        unreportedP0Traces.add(-reportedTraces);
        unreportedP0Spans.add(-reportedSpans);
        readInfoIfChanged(response.headers().firstValue("Datadog-Agent-State").orElse(null));
        requestsSent.incrementAndGet();
        tracesSent.addAndGet(traces);
        spansSent.addAndGet(spans);
        if (failing) {
          failing = false;
          log.log(System.Logger.Level.INFO, "dd-trace-writer: the agent at " + uri + " accepts traces again");
        }
        Map<String, Double> rates = parseRates(answer);
        if (rates != null && rateListener != null) {
          rateListener.accept(rates);
        }
      } else {
        failed(traces, spans, "the agent answered " + response.statusCode() + " " + abbreviate(answer));
      }
    } catch (IOException e) {
      failed(traces, spans, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      failed(traces, spans, "interrupted while sending");
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) { // a bug, in the encoder or the HTTP client
      bug(e);
      failed(traces, spans, e.toString());
    }
  }

  /** The first bug is logged whole, for its stack trace; the warnings that follow count what it costs. */
  private void bug(RuntimeException e) {
    if (!loggedABug) {
      loggedABug = true;
      log.log(System.Logger.Level.ERROR, "dd-trace-writer: a batch could not be sent", e);
    }
  }

  /** Sends the stats of the dropped traces whose 10 s bucket is over (all of them when {@code all}). */
  private void sendStats(boolean all) {
    byte[] body = clientStats == null ? null : clientStats.takeFinished(System.currentTimeMillis() * 1_000_000L, all);
    if (body == null) {
      return;
    }
    try {
      HttpResponse<byte[]> response = exchange(
          request(statsUri, "application/msgpack").PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
      if (response.statusCode() / 100 == 2) {
        requestsSent.incrementAndGet();
      } else {
        requestsFailed.incrementAndGet();
        warn("sending stats to " + statsUri + " failed: the agent answered " + response.statusCode());
      }
    } catch (IOException e) {
      requestsFailed.incrementAndGet();
      warn("sending stats to " + statsUri + " failed: " + e);
    } catch (InterruptedException e) {
      requestsFailed.incrementAndGet();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Re-reads {@code /info} when an answer's {@code Datadog-Agent-State}, the hash of the agent's
   * {@code /info}, differs from the hash of the one read last.
   */
  private void readInfoIfChanged(String state) {
    if (clientStats != null && state != null && !state.equals(agentState)) {
      readInfo(state);
    }
  }

  /**
   * Dropping sampled-out traces needs an agent that says {@code client_drop_p0s}, lists {@code /v0.6/stats} and
   * is 7.65.0 or later.
   * Its trace filters are applied with its stats. An agent without {@code /info} is taken to be in
   * {@code stateSeen}, so that it is not asked again for it.
   */
  private void readInfo(String stateSeen) {
    boolean allowed = false;
    TraceFilter filtering = TraceFilter.NONE;
    try {
      HttpResponse<byte[]> info = exchange(HttpRequest.newBuilder(infoUri).GET().build());
      Map<String, Object> body = Json.objectIn(new String(info.body(), StandardCharsets.UTF_8));
      allowed = info.statusCode() == 200 && Boolean.TRUE.equals(body.get("client_drop_p0s"))
          && Json.strings(body.get("endpoints")).contains(STATS_PATH) && isAtLeast7_65(body.get("version"));
      if (allowed) {
        filtering = TraceFilter.fromInfo(body, config.env(), config.version(), config.service());
      }
      agentState = info.statusCode() == 200 ? sha256(info.body()) : stateSeen;
    } catch (IOException | RuntimeException e) { // a RuntimeException: the HTTP client's, never to kill the sender
      agentState = null; // try again with the next answer
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dropP0s = allowed;
    filter = filtering;
  }

  /** The agent's {@code version} is 7.65.0 or later, as Datadog's Java tracer asks before it drops traces. */
  private static boolean isAtLeast7_65(Object version) {
    Matcher v = MAJOR_MINOR.matcher(version instanceof String s ? s : "");
    if (!v.lookingAt()) {
      return false;
    }
    try {
      int major = Integer.parseInt(v.group(1));
      return major > 7 || major == 7 && Integer.parseInt(v.group(2)) >= 65;
    } catch (NumberFormatException e) {
      return false; // more digits than an int
    }
  }

  /** Hex SHA-256, the form of {@code Datadog-Agent-State}. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JDK has SHA-256
    }
  }

  /**
   * One request to the agent, answered within the agent timeout, body included. A request's own timeout
   * ({@code HttpRequest.Builder.timeout}) would only cover the wait for the answer's headers: an agent that
   * stalls in the middle of a body would hold the only sender thread for ever. The body is cut short, as a
   * failed request, past {@value #MAX_ANSWER_BYTES} bytes; the agent's answers are a few KB.
   */
  private HttpResponse<byte[]> exchange(HttpRequest request) throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request, headers -> atMost(MAX_ANSWER_BYTES));
    try {
      return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true); // closes the connection
      throw new HttpTimeoutException("no whole answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      answer.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /** A body of at most {@code max} bytes; a longer one fails the request. */
  private static HttpResponse.BodySubscriber<byte[]> atMost(int max) {
    return new HttpResponse.BodySubscriber<>() {
      private final CompletableFuture<byte[]> body = new CompletableFuture<>();
      private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      private Flow.Subscription subscription;

      @Override
      public CompletionStage<byte[]> getBody() {
        return body;
      }

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer b : buffers) {
          if (bytes.size() + b.remaining() > max) {
            subscription.cancel();
            body.completeExceptionally(new IOException("the answer is longer than " + max + " bytes"));
            return;
          }
          byte[] chunk = new byte[b.remaining()];
          b.get(chunk);
          bytes.writeBytes(chunk);
        }
      }

      @Override
      public void onError(Throwable t) {
        body.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        body.complete(bytes.toByteArray());
      }
    };
  }

  private void failed(int traces, int spans, String why) {
    requestsFailed.incrementAndGet();
    tracesDroppedFailed.addAndGet(traces);
    spansDroppedFailed.addAndGet(spans);
    failing = true;
    warn("sending to " + uri + " failed: " + why);
  }

  /** At most one warning a minute, with the counters so the reader sees how much was lost. */
  private void warn(String what) {
    long now = System.nanoTime();
    long last = lastWarningNanos.get();
    if (now - last >= WARNING_INTERVAL_NANOS && lastWarningNanos.compareAndSet(last, now)) {
      log.log(System.Logger.Level.WARNING, "dd-trace-writer: " + what + "; traces are dropped until it recovers ("
          + counters() + "). This warning repeats at most once a minute.");
    }
  }

  /** Reads {@code {"rate_by_service":{"service:a,env:b":0.5}}}; null when the body has none. */
  static Map<String, Double> parseRates(String body) {
    Object listed = body == null ? null : Json.objectIn(body).get("rate_by_service");
    if (!(listed instanceof Map)) {
      return null;
    }
    Map<String, Double> rates = new HashMap<>();
    Json.object(listed).forEach((key, rate) -> {
      if (rate instanceof Double r) { // skip the odd entry, keep the others
        rates.put(key, r);
      }
    });
    return rates;
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}

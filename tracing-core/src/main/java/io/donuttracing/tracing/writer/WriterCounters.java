package io.donuttracing.tracing.writer;

/**
 * A snapshot of a writer's counters. Traces are counted as the chunks the writer received; a trace
 * that left in parts counts once per part.
 */
public final class WriterCounters {
  static final WriterCounters NONE = new WriterCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  private final long tracesSent;
  private final long spansSent;
  private final long tracesDroppedQueueFull;
  private final long spansDroppedQueueFull;
  private final long tracesDroppedSendFailed;
  private final long spansDroppedSendFailed;
  private final long tracesDroppedP0;
  private final long spansDroppedP0;
  private final long tracesFiltered;
  private final long spansFiltered;
  private final long requestsSent;
  private final long requestsFailed;
  private final int queued;

  WriterCounters(long tracesSent, long spansSent, long tracesDroppedQueueFull, long spansDroppedQueueFull,
      long tracesDroppedSendFailed, long spansDroppedSendFailed, long tracesDroppedP0, long spansDroppedP0,
      long tracesFiltered, long spansFiltered, long requestsSent, long requestsFailed, int queued) {
    this.tracesSent = tracesSent;
    this.spansSent = spansSent;
    this.tracesDroppedQueueFull = tracesDroppedQueueFull;
    this.spansDroppedQueueFull = spansDroppedQueueFull;
    this.tracesDroppedSendFailed = tracesDroppedSendFailed;
    this.spansDroppedSendFailed = spansDroppedSendFailed;
    this.tracesDroppedP0 = tracesDroppedP0;
    this.spansDroppedP0 = spansDroppedP0;
    this.tracesFiltered = tracesFiltered;
    this.spansFiltered = spansFiltered;
    this.requestsSent = requestsSent;
    this.requestsFailed = requestsFailed;
    this.queued = queued;
  }

  /** Traces the agent accepted (answered 2xx). */
  public long tracesSent() {
    return tracesSent;
  }

  public long spansSent() {
    return spansSent;
  }

  /** Traces dropped on the application thread because the queue was full (or the writer closed). */
  public long tracesDroppedQueueFull() {
    return tracesDroppedQueueFull;
  }

  public long spansDroppedQueueFull() {
    return spansDroppedQueueFull;
  }

  /** Traces dropped because the agent could not be reached or refused them. */
  public long tracesDroppedSendFailed() {
    return tracesDroppedSendFailed;
  }

  public long spansDroppedSendFailed() {
    return spansDroppedSendFailed;
  }

  /**
   * Traces sampled out (priority 0 or below, no error) and not sent, because the agent allows it: their
   * spans went into the stats sent to {@code /v0.6/stats}. Not lost: this is sampling done early.
   */
  public long tracesDroppedP0() {
    return tracesDroppedP0;
  }

  public long spansDroppedP0() {
    return spansDroppedP0;
  }

  /**
   * Traces neither sent nor counted in stats because the agent's filters reject their root ({@code ignore_resources},
   * {@code filter_tags} in its {@code /info}): it would have dropped them, and left them out of its metrics.
   */
  public long tracesFiltered() {
    return tracesFiltered;
  }

  public long spansFiltered() {
    return spansFiltered;
  }

  /** Requests to the agent that were answered 2xx. */
  public long requestsSent() {
    return requestsSent;
  }

  /** Requests that failed: connection refused, timeout, or a non-2xx answer. */
  public long requestsFailed() {
    return requestsFailed;
  }

  /** Traces waiting in the queue when the snapshot was taken. */
  public int queued() {
    return queued;
  }

  @Override
  public String toString() {
    return "WriterCounters{sent=" + tracesSent + " traces/" + spansSent + " spans, droppedQueueFull="
        + tracesDroppedQueueFull + "/" + spansDroppedQueueFull + ", droppedSendFailed=" + tracesDroppedSendFailed
        + "/" + spansDroppedSendFailed + ", droppedP0=" + tracesDroppedP0 + "/" + spansDroppedP0 + ", filtered="
        + tracesFiltered + "/" + spansFiltered + ", requests=" + requestsSent + " ok/" + requestsFailed
        + " failed, queued=" + queued + "}";
  }
}

package io.donuttracing.tracing.sampling;

/**
 * The four sampling priorities of Datadog's model, carried in the {@code _sampling_priority_v1} metric
 * of the first span of each chunk a process sends (its local root, when the chunk holds it) and in the
 * propagation headers.
 *
 * <p>0 or below asks the agent to drop the trace, above 0 to keep it. "Auto" values come
 * from the sampler; "user" values from code or from a sampling rule ({@code DD_TRACE_SAMPLE_RATE}).
 */
public final class SamplingPriority {
  /** Code or a rule asked to drop the trace. */
  public static final int USER_REJECT = -1;
  /** The sampler dropped the trace. */
  public static final int AUTO_REJECT = 0;
  /** The sampler kept the trace. */
  public static final int AUTO_KEEP = 1;
  /** Code or a rule asked to keep the trace. */
  public static final int USER_KEEP = 2;
  /** No decision yet, e.g. an extracted context without a priority. */
  public static final int UNSET = Integer.MIN_VALUE;

  private SamplingPriority() {}

  /** True for the priorities that keep a trace. */
  public static boolean isKept(int priority) {
    return priority != UNSET && priority > 0;
  }
}

package io.donuttracing.tracing.writer;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * The stats of the traces the writer does not send.
 *
 * <p>The agent computes stats (hits, errors and latency per service and resource, the numbers on the
 * collector's page) on every trace it receives, before it samples. Sending every trace just for that is
 * most of what tracing costs at high traffic, when the agent keeps only a few traces a second anyway. So,
 * when the agent allows it ({@code client_drop_p0s} in {@code /info}), the writer drops the traces that
 * were sampled out and counts their spans here instead, the way the agent would have: the same spans
 * (top-level as the agent reads {@code _dd.top_level}, see {@link AddedTags#topLevelAsSent}; measured; or of kind
 * server, client, producer, consumer), the same groups (service, name, resource, type, span kind, HTTP status,
 * trace root), the same 10 s buckets by end time, and a DDSketch of the durations. A bucket is sent to
 * {@code /v0.6/stats} once it is over. This is Datadog's
 * "client-side stats", except that it only covers the traces dropped: the agent still computes stats for
 * the traces it receives, so nothing waits for a bucket to close at low traffic, when nothing is dropped.
 *
 * <p>Thread-safe. The counts are split in shards, and a thread always counts into the same one (chosen by
 * its id), so that the threads of a busy server, on different cores, seldom wait for the same lock or pull
 * the same counters from each other's caches. The writer's thread collects the shards' finished buckets
 * every tick and adds them up.
 */
final class ClientStats {
  static final long BUCKET_NANOS = 10_000_000_000L;
  /**
   * The agent's sketches have 1% relative accuracy too. Each sketch is sent with its index mapping (gamma,
   * offset, interpolation: sketches-java's cubically interpolated one here, a logarithmic one in the agent's Go
   * code), from which the agent reads ours; the collector, with sketches-java, merges them bin for bin.
   */
  static final double RELATIVE_ACCURACY = 0.01;
  /**
   * Groups held at most, all unsent buckets together (dd-trace-java's default limit of aggregates). A resource
   * with literals in it (SQL built by concatenation) makes a group per value: past the limit, a trace is sent
   * rather than counted, so that memory stays bounded and nothing is lost.
   */
  static final int MAX_GROUPS = 2048;

  private record Key(String service, String name, String resource, String type, String spanKind, int httpStatus,
      boolean traceRoot) {}

  private static final class Group {
    long hits;
    long topLevelHits;
    long errors;
    long durationSum;
    final DDSketch ok = DDSketches.unboundedDense(RELATIVE_ACCURACY);
    final DDSketch error = DDSketches.unboundedDense(RELATIVE_ACCURACY);

    void add(Group other) {
      hits += other.hits;
      topLevelHits += other.topLevelHits;
      errors += other.errors;
      durationSum += other.durationSum;
      ok.mergeWith(other.ok);
      error.mergeWith(other.error);
    }
  }

  /**
   * The distinct groups of the unsent buckets, all shards together, and how many there are: what
   * {@link #MAX_GROUPS} bounds (a group that several shards hold counts once). Written only when a shard
   * makes a group, and when buckets are sent.
   */
  private final ConcurrentHashMap<Long, Set<Key>> keysByBucket = new ConcurrentHashMap<>();
  private final AtomicInteger groups = new AtomicInteger();

  /** The counts of the threads whose ids fall in one shard, by bucket start. */
  private final class Shard {
    final TreeMap<Long, Map<Key, Group>> buckets = new TreeMap<>();
    /** The bucket spans went to last, and its start: nearly every span ends in the current bucket. */
    Map<Key, Group> lastBucket;
    long lastBucketStart;

    private Map<Key, Group> bucket(long start) {
      if (lastBucket == null || start != lastBucketStart) {
        lastBucket = buckets.computeIfAbsent(start, b -> new HashMap<>());
        lastBucketStart = start;
      }
      return lastBucket;
    }

    /** Counts the spans of one trace chunk. */
    synchronized void add(List<Span> chunk) {
      for (Span span : chunk) {
        boolean topLevel = AddedTags.topLevelAsSent(span);
        String kind = span.tag("span.kind");
        if (!topLevel && !isMeasured(span) && !isCountedKind(kind)) {
          continue;
        }
        long end = span.startEpochNanos() + span.durationNanos();
        Key key = new Key(nullToEmpty(span.service()), nullToEmpty(span.name()), nullToEmpty(span.resource()),
            nullToEmpty(span.type()), nullToEmpty(kind), httpStatus(span), span.parentId() == 0);
        long start = Math.floorDiv(end, BUCKET_NANOS) * BUCKET_NANOS;
        Group g = bucket(start).computeIfAbsent(key, k -> {
          if (keysByBucket.computeIfAbsent(start, b -> ConcurrentHashMap.newKeySet()).add(k)) {
            groups.incrementAndGet();
          }
          return new Group();
        });
        g.hits++;
        g.durationSum += span.durationNanos();
        if (topLevel) {
          g.topLevelHits++;
        }
        if (span.isError()) {
          g.errors++;
          g.error.accept(span.durationNanos());
        } else {
          g.ok.accept(span.durationNanos());
        }
      }
    }

    /** Moves the buckets that start at or before {@code lastStart} into {@code into}, adding up groups. */
    synchronized void moveFinished(long lastStart, TreeMap<Long, Map<Key, Group>> into) {
      Map<Long, Map<Key, Group>> finished = buckets.headMap(lastStart, true);
      for (Map.Entry<Long, Map<Key, Group>> bucket : finished.entrySet()) {
        Map<Key, Group> total = into.computeIfAbsent(bucket.getKey(), b -> new HashMap<>());
        bucket.getValue().forEach((key, group) -> total.merge(key, group, (a, b) -> {
          a.add(b);
          return a;
        }));
      }
      finished.clear(); // a view: removes those buckets from the shard
      lastBucket = null;
    }
  }

  private final String env;
  private final String version;
  private final String service;
  private final String runtimeId = UUID.randomUUID().toString();
  /** Four shards per core or more: a power of two, so that a thread's id picks one with a mask. */
  private final Shard[] shards =
      new Shard[Integer.highestOneBit(4 * Runtime.getRuntime().availableProcessors() - 1) << 1];
  private long sequence;

  ClientStats(String env, String version, String service) {
    this.env = env;
    this.version = version;
    this.service = service;
    Arrays.setAll(shards, i -> new Shard());
  }

  /**
   * Counts the spans of one trace chunk that is not sent; false, counting nothing, when {@link #MAX_GROUPS}
   * groups are held already (a chunk may then still add a few: the limit is a bound, not an exact count).
   */
  boolean add(List<Span> chunk) {
    if (groups.get() >= MAX_GROUPS) {
      return false;
    }
    shards[(int) Thread.currentThread().getId() & (shards.length - 1)].add(chunk);
    return true;
  }

  /**
   * The {@code /v0.6/stats} payload of the buckets that ended before {@code nowEpochNanos} (all of them
   * when {@code all}), which are forgotten; null when there are none. Called by the writer's thread.
   */
  synchronized byte[] takeFinished(long nowEpochNanos, boolean all) {
    long lastStart = all ? Long.MAX_VALUE : nowEpochNanos - BUCKET_NANOS;
    for (Iterator<Map.Entry<Long, Set<Key>>> it = keysByBucket.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Set<Key>> bucket = it.next();
      if (bucket.getKey() <= lastStart) {
        it.remove();
        groups.addAndGet(-bucket.getValue().size());
      }
    }
    TreeMap<Long, Map<Key, Group>> done = new TreeMap<>();
    for (Shard s : shards) {
      s.moveFinished(lastStart, done);
    }
    return done.isEmpty() ? null : encode(done, ++sequence);
  }

  /** Datadog's {@code ClientStatsPayload}, with the keys its agent reads. */
  private byte[] encode(Map<Long, Map<Key, Group>> done, long payloadSequence) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (MessagePacker p = MessagePack.newDefaultPacker(out)) {
      p.packMapHeader(9);
      p.packString("Hostname").packString("");
      p.packString("Env").packString(nullToEmpty(env));
      p.packString("Version").packString(nullToEmpty(version));
      p.packString("Service").packString(nullToEmpty(service));
      p.packString("Lang").packString("java");
      p.packString("TracerVersion").packString(Tracer.VERSION);
      p.packString("RuntimeID").packString(runtimeId);
      p.packString("Sequence").packLong(payloadSequence);
      p.packString("Stats").packArrayHeader(done.size());
      for (Map.Entry<Long, Map<Key, Group>> bucket : done.entrySet()) {
        p.packMapHeader(3);
        p.packString("Start").packLong(bucket.getKey());
        p.packString("Duration").packLong(BUCKET_NANOS);
        p.packString("Stats").packArrayHeader(bucket.getValue().size());
        for (Map.Entry<Key, Group> e : bucket.getValue().entrySet()) {
          packGroup(p, e.getKey(), e.getValue());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    return out.toByteArray();
  }

  private static void packGroup(MessagePacker p, Key k, Group g) throws IOException {
    p.packMapHeader(15);
    p.packString("Service").packString(k.service());
    p.packString("Name").packString(k.name());
    p.packString("Resource").packString(k.resource());
    p.packString("Type").packString(k.type());
    p.packString("SpanKind").packString(k.spanKind());
    p.packString("HTTPStatusCode").packInt(k.httpStatus());
    p.packString("IsTraceRoot").packInt(k.traceRoot() ? 1 : 2); // a tri-state: 0 unknown, 1 true, 2 false
    p.packString("Synthetics").packBoolean(false);
    p.packString("PeerTags").packArrayHeader(0);
    p.packString("Hits").packLong(g.hits);
    p.packString("TopLevelHits").packLong(g.topLevelHits);
    p.packString("Errors").packLong(g.errors);
    p.packString("Duration").packLong(g.durationSum);
    packSketch(p, "OkSummary", g.ok);
    packSketch(p, "ErrorSummary", g.error);
  }

  /** The sketch in its protobuf form, as msgpack bin. */
  private static void packSketch(MessagePacker p, String name, DDSketch sketch) throws IOException {
    ByteBuffer proto = sketch.serialize();
    byte[] bytes = new byte[proto.remaining()];
    proto.get(bytes);
    p.packString(name).packBinaryHeader(bytes.length);
    p.writePayload(bytes);
  }

  private static boolean isMeasured(Span span) {
    Number measured = span.metric("_dd.measured");
    return measured != null && measured.intValue() == 1;
  }

  /** In any case, as the agent lower-cases the kind before it compares (its {@code computeStatsForSpanKind}). */
  private static boolean isCountedKind(String kind) {
    return "server".equalsIgnoreCase(kind) || "client".equalsIgnoreCase(kind) || "producer".equalsIgnoreCase(kind)
        || "consumer".equalsIgnoreCase(kind);
  }

  /**
   * As the agent's {@code getStatusCode}: the numeric tag if there is one ({@code setTag("http.status_code", 404)}
   * makes one), else the string tag; 0 for none. A string code outside 100 to 599 is dropped by the agent's
   * normaliser before its stats; a numeric one is held to the same range here, to keep one rule.
   */
  private static int httpStatus(Span span) {
    long code;
    Number metric = span.metric("http.status_code");
    if (metric != null) {
      code = metric.longValue();
    } else {
      String text = span.tag("http.status_code");
      if (text == null) {
        return 0; // most spans: no exception thrown and caught for each
      }
      try {
        code = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return code >= 100 && code < 600 ? (int) code : 0;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}

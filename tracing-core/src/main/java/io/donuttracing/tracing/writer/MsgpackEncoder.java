package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * The v0.4 intake format: msgpack, each span a map of 12 keys ({@code service, name, resource, trace_id,
 * span_id, parent_id, start, duration, error, meta, metrics, type}). Ids are unsigned 64-bit integers, so
 * ids with the top bit set are written as msgpack {@code uint64} (a plain {@code packLong} would write them
 * as negative numbers).
 *
 * <p>Encoding runs on the writer's thread, for every span the application makes, so it avoids garbage: the
 * packer and its output buffer are reused from one batch to the next, and the UTF-8 bytes of the strings
 * that repeat in every span (services, names, resources, tag keys and most tag values) are kept in a small
 * cache. Not thread-safe: one encoder per writer thread. Public only for the serialization benchmark.
 */
public final class MsgpackEncoder implements TraceEncoder {
  private static final byte[] K_SERVICE = utf8("service");
  private static final byte[] K_NAME = utf8("name");
  private static final byte[] K_RESOURCE = utf8("resource");
  private static final byte[] K_TRACE_ID = utf8("trace_id");
  private static final byte[] K_SPAN_ID = utf8("span_id");
  private static final byte[] K_PARENT_ID = utf8("parent_id");
  private static final byte[] K_START = utf8("start");
  private static final byte[] K_DURATION = utf8("duration");
  private static final byte[] K_ERROR = utf8("error");
  private static final byte[] K_META = utf8("meta");
  private static final byte[] K_METRICS = utf8("metrics");
  private static final byte[] K_TYPE = utf8("type");
  private static final byte[] K_TOP_LEVEL = utf8("_dd.top_level");

  /** Strings longer than this (SQL, stack traces) are encoded each time rather than cached. */
  static final int MAX_CACHED_LENGTH = 256;
  /** When the cache holds this many strings it starts over, so unbounded cardinality cannot grow it. */
  static final int MAX_CACHED_STRINGS = 4096;

  private final AddedTags added;
  /** A buffer grown past this by a rare huge batch is not kept for the next ones. */
  static final int MAX_KEPT_BUFFER_BYTES = 1024 * 1024;
  /** msgpack's array32 header: the most a body's header can take. */
  private static final int MAX_ARRAY_HEADER_BYTES = 5;

  /** The traces of the body being built, without the array header that counts them. */
  private Buffer out = new Buffer();
  private MessagePacker packer = MessagePack.newDefaultPacker(out);
  private final MessageBufferPacker header = MessagePack.newDefaultBufferPacker();
  private int traces;
  private final Map<String, byte[]> utf8Cache = new HashMap<>();
  private final byte[] uint64 = new byte[9];

  /** @param env {@code env} tag for every span, or null; @param version for spans of {@code service}, or null */
  public MsgpackEncoder(String env, String version, String service) {
    this.added = new AddedTags(env, version, service);
  }

  @Override
  public String path() {
    return "/v0.4/traces";
  }

  @Override
  public String contentType() {
    return "application/msgpack";
  }

  @Override
  public boolean append(List<Span> trace, int maxBytes) {
    int mark = out.size();
    try {
      packer.packArrayHeader(trace.size());
      for (Span span : trace) {
        packSpan(span);
      }
      packer.flush(); // into out, to be measured
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: the packer writes to memory
    } catch (RuntimeException e) { // a bug: the body keeps the traces before this one, whole
      packer.clear();
      out.cutTo(mark);
      throw e;
    }
    if (traces > 0 && MAX_ARRAY_HEADER_BYTES + out.size() > maxBytes) {
      out.cutTo(mark);
      return false;
    }
    traces++;
    return true;
  }

  @Override
  public int traces() {
    return traces;
  }

  @Override
  public byte[] body() {
    try {
      header.clear();
      header.packArrayHeader(traces);
      byte[] body = out.withHeader(header.toByteArray());
      traces = 0;
      if (out.size() > MAX_KEPT_BUFFER_BYTES) { // a batch of stack traces: let that memory go
        out = new Buffer();
        packer = MessagePack.newDefaultPacker(out);
      }
      out.reset();
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: the packer writes to memory
    }
  }

  /** A byte stream that can forget what was written after a mark, and be read behind a header in one copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(64 * 1024);
    }

    void cutTo(int size) {
      count = size;
    }

    byte[] withHeader(byte[] header) {
      byte[] all = Arrays.copyOf(header, header.length + count);
      System.arraycopy(buf, 0, all, header.length, count);
      return all;
    }
  }

  private void packSpan(Span span) throws IOException {
    packer.packMapHeader(12);
    writeUtf8(K_SERVICE);
    packString(span.service());
    writeUtf8(K_NAME);
    packString(span.name());
    writeUtf8(K_RESOURCE);
    packString(span.resource());
    writeUtf8(K_TRACE_ID);
    packUnsigned(span.traceId());
    writeUtf8(K_SPAN_ID);
    packUnsigned(span.spanId());
    writeUtf8(K_PARENT_ID);
    packUnsigned(span.parentId());
    writeUtf8(K_START);
    packer.packLong(span.startEpochNanos());
    writeUtf8(K_DURATION);
    packer.packLong(Math.max(0, span.durationNanos()));
    writeUtf8(K_ERROR);
    packer.packInt(span.error());

    int metaCount = 0;
    for (int i = 0; i < span.tagCount(); i++) {
      if (span.tagValueAt(i) instanceof String) {
        metaCount++;
      }
    }
    String env = added.env(span);
    String version = added.version(span);
    String origin = added.origin(span);
    writeUtf8(K_META);
    packer.packMapHeader(metaCount + (env != null ? 1 : 0) + (version != null ? 1 : 0) + (origin != null ? 1 : 0));
    for (int i = 0; i < span.tagCount(); i++) {
      if (span.tagValueAt(i) instanceof String value) {
        packString(span.tagKeyAt(i));
        packString(value);
      }
    }
    if (env != null) {
      packString("env");
      packString(env);
    }
    if (version != null) {
      packString("version");
      packString(version);
    }
    if (origin != null) {
      packString("_dd.origin");
      packString(origin);
    }

    boolean addTopLevel = AddedTags.addsTopLevel(span);
    writeUtf8(K_METRICS);
    packer.packMapHeader(span.tagCount() - metaCount + (addTopLevel ? 1 : 0));
    if (addTopLevel) {
      writeUtf8(K_TOP_LEVEL);
      packer.packInt(1);
    }
    for (int i = 0; i < span.tagCount(); i++) {
      if (span.tagValueAt(i) instanceof Number n) {
        packString(span.tagKeyAt(i));
        if (n instanceof Double || n instanceof Float) {
          packer.packDouble(n.doubleValue());
        } else {
          packer.packLong(n.longValue());
        }
      }
    }
    writeUtf8(K_TYPE);
    packString(span.type());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes a string already encoded as UTF-8 (the span's 12 map keys, {@code _dd.top_level}, cached strings). */
  private void writeUtf8(byte[] utf8) throws IOException {
    packer.packRawStringHeader(utf8.length);
    packer.writePayload(utf8);
  }

  private void packString(String s) throws IOException {
    if (s == null) {
      packer.packNil();
    } else if (s.length() > MAX_CACHED_LENGTH) {
      packer.packString(s);
    } else {
      byte[] bytes = utf8Cache.get(s);
      if (bytes == null) {
        if (utf8Cache.size() >= MAX_CACHED_STRINGS) {
          utf8Cache.clear();
        }
        bytes = utf8(s);
        utf8Cache.put(s, bytes);
      }
      writeUtf8(bytes);
    }
  }

  private void packUnsigned(long v) throws IOException {
    if (v >= 0) {
      packer.packLong(v);
      return;
    }
    uint64[0] = (byte) 0xcf;
    for (int i = 8; i >= 1; i--) {
      uint64[i] = (byte) v;
      v >>>= 8;
    }
    packer.writePayload(uint64, 0, 9);
  }
}

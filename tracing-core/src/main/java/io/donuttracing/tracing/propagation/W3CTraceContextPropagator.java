package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * W3C Trace Context (style {@code tracecontext}):
 * <pre>
 * traceparent: 00-&lt;32 hex trace id&gt;-&lt;16 hex parent span id&gt;-&lt;flags: 01 sampled, 00 not&gt;
 * tracestate:  dd=s:&lt;priority&gt;;o:&lt;origin&gt;;p:&lt;16 hex span id&gt;;t.dm:-1,othervendor=...
 * </pre>
 * Datadog's list member {@code dd=} carries what {@code traceparent} cannot: the exact priority, the
 * origin, and the {@code _dd.p.*} tags (as {@code t.*}). Rejected: version {@code ff}, a version-00
 * header that is not exactly 55 characters, upper-case hex, an all-zero span id, and a trace id whose low 64 bits
 * are zero (all-zero or not: those 64 bits are the {@code trace_id} the agent gets, and it drops a trace whose
 * {@code trace_id} is 0; dd-trace-java's {@code W3CHttpCodec} refuses such an id too); a {@code tracestate} without a
 * {@code traceparent} is ignored. Other vendors' members are passed on unchanged, 31 at most so that with ours
 * the list keeps to W3C's 32, and 512 characters at most, cut as W3C says ({@link #passedOn}); our member keeps
 * to Datadog's 256 characters, leaving out the tags that do not fit. A caller's {@code dd=} member longer than
 * that keeps its priority, origin and parent, but not its tags ({@code _dd.propagation_error:extract_max_size}).
 * A {@code dd=} member with a malformed element (an empty key or value, a character outside printable ASCII, a
 * bad {@code t.dm} or {@code t.tid}) is dropped whole, as dd-trace-java's {@code W3CPTagsCodec} drops it, and
 * records {@code _dd.propagation_error}: the sampled flag alone then decides the priority.
 */
public final class W3CTraceContextPropagator implements Propagator {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  private static final int MAX_MEMBERS = 32;
  /** Datadog's limit for its own member, {@code dd=} included. */
  private static final int MAX_DD_MEMBER_LENGTH = 256;
  /** W3C: a vendor passes on at least 512 characters of the list; the members over 128 are the first to go. */
  private static final int MAX_PASSED_ON_LENGTH = 512;
  private static final int MAX_PASSED_ON_MEMBER_LENGTH = 128;
  private static final String ZERO_64_BITS = "0".repeat(16);

  @Override
  public <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    int priority = context.samplingPriority();
    boolean sampled = priority == SamplingPriority.UNSET || priority > 0;
    setter.set(carrier, TRACEPARENT, traceparent(context, sampled));
    StringBuilder dd = new StringBuilder(96).append("dd=");
    if (priority != SamplingPriority.UNSET) {
      dd.append("s:").append(priority).append(';');
    }
    String origin = DatadogPropagator.origin(context.origin());
    if (origin != null) {
      dd.append("o:").append(sanitize(origin, true)).append(';');
    }
    dd.append("p:");
    appendHex(dd, context.spanId());
    String dm = context.propagatedTags().get("_dd.p.dm"); // the decision maker first: the one to keep
    if (dm != null) {
      appendTag(dd, "_dd.p.dm", dm);
    }
    for (Map.Entry<String, String> e : context.propagatedTags().entrySet()) {
      if (!e.getKey().equals("_dd.p.dm")) {
        appendTag(dd, e.getKey(), e.getValue());
      }
    }
    if (context.w3cVendorState() != null && !context.w3cVendorState().isEmpty()) {
      dd.append(',').append(context.w3cVendorState());
    }
    setter.set(carrier, TRACESTATE, dd.toString());
  }

  /** Appends {@code ;t.<key without _dd.p.>:<value>}, unless the member would then pass its 256 characters. */
  private static void appendTag(StringBuilder dd, String key, String value) {
    String tag = ";t." + sanitize(key.substring("_dd.p.".length()), false) + ':' + sanitize(value, true);
    if (dd.length() + tag.length() <= MAX_DD_MEMBER_LENGTH) {
      dd.append(tag);
    }
  }

  /** {@code 00-<trace>-<span>-<flags>}, as used in {@code traceparent} and the {@code traceresponse} header. */
  public static String traceparent(SpanContext context, boolean sampled) {
    return traceparent(context.traceIdHigh(), context.traceIdLow(), context.spanId(), sampled);
  }

  /** {@code 00-<trace>-<span>-<flags>} from the ids themselves. */
  public static String traceparent(long traceIdHigh, long traceIdLow, long spanId, boolean sampled) {
    char[] out = new char[55];
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    Ids.hex(traceIdHigh, out, 3);
    Ids.hex(traceIdLow, out, 19);
    out[35] = '-';
    Ids.hex(spanId, out, 36);
    out[52] = '-';
    out[53] = '0';
    out[54] = sampled ? '1' : '0';
    return new String(out);
  }

  private static void appendHex(StringBuilder sb, long id) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      sb.append(Character.forDigit((int) (id >>> shift) & 0xF, 16));
    }
  }

  /** tracestate values may not hold ',', ';', '=' or '~'; Datadog writes '=' as '~'. */
  private static String sanitize(String s, boolean value) {
    if (isClean(s, value)) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (value && c == '=') {
        sb.append('~');
      } else if (c < 0x20 || c > 0x7e || c == ',' || c == ';' || c == '=' || c == '~' || (!value && c == ':')) {
        sb.append('_');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * Whether {@code s[from, to)} may be a key (or a value) of an element of our member: printable ASCII without
   * {@code =} (W3C's rule for member values), and for a key also without a space.
   */
  private static boolean isElementText(String s, int from, int to, boolean value) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < ' ' || c > '~' || c == '=' || (!value && c == ' ')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isClean(String s, boolean value) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == ',' || c == ';' || c == '=' || c == '~' || (!value && c == ':')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public <C> SpanContext extract(C carrier, Getter<C> getter) {
    try {
      String tp = validTraceparent(getter.get(carrier, TRACEPARENT));
      if (tp == null) {
        return null;
      }
      long high = HeaderValues.parseHex(tp, 3, 16);
      long low = HeaderValues.parseHex(tp, 19, 16);
      long parent = HeaderValues.parseHex(tp, 36, 16);
      boolean sampled = (HeaderValues.parseHex(tp, 53, 2) & 1) == 1;

      List<String> others = new ArrayList<>();
      String ddMember = splitTracestate(getter.get(carrier, TRACESTATE), others);
      DdMember dd = ddMember == null ? DdMember.NONE : readDdMember(ddMember);
      int ddPriority = dd.priority();
      String origin = dd.origin();
      Map<String, String> propagated = dd.propagated();
      Map<String, String> spanTags = dd.spanTags();
      int priority;
      if (sampled) {
        priority = ddPriority != SamplingPriority.UNSET && ddPriority > 0 ? ddPriority : SamplingPriority.AUTO_KEEP;
        if (ddPriority == SamplingPriority.UNSET || ddPriority <= 0) {
          propagated = propagated == null ? new HashMap<>() : propagated;
          propagated.put("_dd.p.dm", "-0");
        }
      } else {
        priority = ddPriority != SamplingPriority.UNSET && ddPriority <= 0 ? ddPriority : SamplingPriority.AUTO_REJECT;
        if (propagated != null) {
          propagated.remove("_dd.p.dm");
        }
      }
      return new SpanContext(high, low, parent, priority, origin, propagated, spanTags, passedOn(others));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Other vendors' {@code tracestate} members to pass on ({@link CompositePropagator} keeps them when another style
   * won), if the W3C headers carry the trace {@code traceIdLow}; else null.
   */
  <C> String otherVendorsState(C carrier, Getter<C> getter, long traceIdLow) {
    String tp = validTraceparent(getter.get(carrier, TRACEPARENT));
    if (tp == null || HeaderValues.parseHex(tp, 19, 16) != traceIdLow) {
      return null;
    }
    List<String> others = new ArrayList<>();
    splitTracestate(getter.get(carrier, TRACESTATE), others);
    return passedOn(others);
  }

  /** The header, trimmed, if it is a valid {@code traceparent} with a non-zero span id and low trace id half; else null. */
  private static String validTraceparent(String header) {
    if (header == null) {
      return null;
    }
    String tp = header.trim();
    if (tp.length() < 55 || !HeaderValues.isLowerHex(tp, 0, 2) || tp.startsWith("ff")) {
      return null;
    }
    boolean version00 = tp.startsWith("00");
    if ((version00 && tp.length() != 55) || (!version00 && tp.length() > 55 && tp.charAt(55) != '-')) {
      return null;
    }
    if (tp.charAt(2) != '-' || tp.charAt(35) != '-' || tp.charAt(52) != '-'
        || !HeaderValues.isLowerHex(tp, 3, 32) || !HeaderValues.isLowerHex(tp, 36, 16) || !HeaderValues.isLowerHex(tp, 53, 2)) {
      return null;
    }
    // the low half of the trace id (its high half may be zero: a 64-bit id), and the span id
    return tp.startsWith(ZERO_64_BITS, 19) || tp.startsWith(ZERO_64_BITS, 36) ? null : tp;
  }

  /**
   * Splits a {@code tracestate} list: returns our {@code dd=} member (the first: W3C allows one member per vendor),
   * or null, and adds the other vendors' members to {@code others}. Members past W3C's 32 are ignored.
   */
  private static String splitTracestate(String state, List<String> others) {
    if (state == null) {
      return null;
    }
    String dd = null;
    int members = 0;
    for (int from = 0; from <= state.length(); ) {
      int comma = state.indexOf(',', from);
      int end = comma < 0 ? state.length() : comma;
      String member = state.substring(from, end).trim(); // no copy when the list is one member
      from = end + 1;
      if (member.isEmpty() || ++members > MAX_MEMBERS) {
        continue;
      }
      if (!member.startsWith("dd=")) {
        if (others.size() < MAX_MEMBERS - 1) { // 31 at most: ours is written in front of them
          others.add(member);
        }
      } else if (dd == null) {
        dd = member;
      }
    }
    return dd;
  }

  /** What our {@code dd=} member says: priority, origin, {@code _dd.p.*} tags, and tags for the span. */
  private record DdMember(int priority, String origin, Map<String, String> propagated, Map<String, String> spanTags) {
    static final DdMember NONE = new DdMember(SamplingPriority.UNSET, null, null, null);

    /**
     * As dd-trace-java's W3CPTagsCodec: a malformed member says nothing at all but why, lest a bad value go on to
     * the next hop, whose Datadog codec would refuse the whole x-datadog-tags, _dd.p.tid with it.
     */
    static DdMember malformed(String error) {
      return new DdMember(SamplingPriority.UNSET, null, null, Map.of("_dd.propagation_error", error));
    }
  }

  /** {@code dd=s:2;o:rum;p:<16 hex>;t.dm:-4}: each element {@code key:value}, separated by {@code ;}. */
  private static DdMember readDdMember(String member) {
    boolean tooLong = member.length() > MAX_DD_MEMBER_LENGTH; // its tags are left out, the rest is read
    int priority = SamplingPriority.UNSET;
    String origin = null;
    String parent = null;
    Map<String, String> propagated = null;
    for (int f = 3; f <= member.length(); ) {
      int semi = member.indexOf(';', f);
      int fieldEnd = semi < 0 ? member.length() : semi;
      int colon = member.indexOf(':', f);
      if (colon <= f || colon >= fieldEnd - 1 || !isElementText(member, f, colon, false)
          || !isElementText(member, colon + 1, fieldEnd, true)) {
        return DdMember.malformed("decoding_error"); // an empty key or value, or a character W3C or Datadog forbids
      }
      String value = member.substring(colon + 1, fieldEnd);
      char k = member.charAt(f);
      if (colon == f + 1 && k == 's') {
        int p = HeaderValues.parseSmallInt(value);
        priority = p == Integer.MIN_VALUE ? SamplingPriority.UNSET : p;
      } else if (colon == f + 1 && k == 'o') {
        origin = DatadogPropagator.origin(value.replace('~', '='));
      } else if (colon == f + 1 && k == 'p') {
        parent = value.length() == 16 && HeaderValues.isLowerHex(value, 0, 16) ? value : null;
      } else if (colon > f + 2 && member.startsWith("t.", f)) {
        String key = "_dd.p." + member.substring(f + 2, colon);
        value = value.replace('~', '=');
        if (key.equals("_dd.p.tid")) { // the high half is traceparent's; a malformed one is an error all the same
          if (value.length() != 16 || !HeaderValues.isLowerHex(value, 0, 16)) {
            return DdMember.malformed("malformed_tid " + value);
          }
        } else if (key.equals("_dd.p.dm") && !DatadogPropagator.isDecisionMaker(value)) {
          return DdMember.malformed("decoding_error");
        } else if (!tooLong) {
          propagated = propagated == null ? new HashMap<>(4) : propagated;
          propagated.put(key, value);
        }
      }
      f = fieldEnd + 1;
    }
    // Map.of where it can: SpanContext keeps an immutable map as it is, and copies a HashMap
    Map<String, String> spanTags = parent == null ? Map.of() : Map.of("_dd.parent_id", parent);
    if (tooLong) {
      spanTags = new HashMap<>(spanTags);
      spanTags.put("_dd.propagation_error", "extract_max_size");
    }
    return new DdMember(priority, origin, propagated, spanTags);
  }

  /**
   * Other vendors' members as this process passes them on: all of them when they hold at most 512 characters;
   * else, as W3C says, without those over 128 characters first, then without the last ones. Null for none.
   */
  static String passedOn(List<String> members) {
    if (members.isEmpty()) {
      return null;
    }
    String all = String.join(",", members);
    if (all.length() > MAX_PASSED_ON_LENGTH) {
      members.removeIf(m -> m.length() > MAX_PASSED_ON_MEMBER_LENGTH);
      all = String.join(",", members);
      while (all.length() > MAX_PASSED_ON_LENGTH) {
        members.remove(members.size() - 1);
        all = String.join(",", members);
      }
    }
    return all.isEmpty() ? null : all;
  }
}

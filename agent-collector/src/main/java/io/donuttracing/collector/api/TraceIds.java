package io.donuttracing.collector.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the trace ids people paste: decimal, 32 hex digits (a W3C id), or a whole {@code traceresponse} (or
 * {@code traceparent}) value, with or without its header name as {@code curl -si} prints it
 * ({@code traceresponse: 00-…-01}). Hex digits in either case; surrounding white space (a CR) is ignored.
 */
public final class TraceIds {
    private static final Pattern HEX32 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,20}");
    private static final Pattern TRACE_RESPONSE = Pattern.compile(
            "(?:(?i:traceresponse|traceparent)\\s*:\\s*)?[0-9a-fA-F]{2}-([0-9a-fA-F]{32})-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}");

    private TraceIds() {
    }

    /**
     * The low 64 bits of the id as a long's bit pattern.
     *
     * @throws IllegalArgumentException when it is none of the accepted forms
     */
    public static long parse(String id) {
        String s = id.trim();
        Matcher tr = TRACE_RESPONSE.matcher(s);
        if (tr.matches()) {
            s = tr.group(1);
        }
        if (HEX32.matcher(s).matches()) {
            return Long.parseUnsignedLong(s.substring(16), 16);
        }
        if (DECIMAL.matcher(s).matches()) {
            try {
                return Long.parseUnsignedLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the trace id does not fit in 64 bits");
            }
        }
        throw new IllegalArgumentException(
                "a trace id is an unsigned decimal number or 32 hex digits (as in a traceresponse header)");
    }
}

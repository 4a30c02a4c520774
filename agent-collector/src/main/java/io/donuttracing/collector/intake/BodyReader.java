package io.donuttracing.collector.intake;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a request body fully (chunked or not) into a buffer of its own that grows only as bytes really
 * arrive, never to the size a header claims, and stops at the limit. The intake has one per decoder: holding
 * one is the right to read and decode a body, so only as many buffers are kept as there are decoders.
 */
final class BodyReader {
    /** A buffer up to this size is kept for the next body; a larger one is let go once its body is decoded. */
    private static final int KEEP_BYTES = 256 * 1024;
    private byte[] buffer = new byte[64 * 1024];

    /** Thrown when the body is larger than the limit. */
    static final class TooLargeException extends Exception {
        TooLargeException() {
            super(null, null, false, false);
        }
    }

    /** Thrown when the body has not arrived by the deadline. */
    static final class TooSlowException extends Exception {
        TooSlowException() {
            super(null, null, false, false);
        }
    }

    /** The body and its length; {@code bytes} may be longer than {@code length}. */
    record Body(byte[] bytes, int length) {
    }

    /**
     * The body, valid until this reader reads the next one. The deadline ({@link System#nanoTime}) is checked
     * between reads; a read that waits for bytes is bounded by the server's read timeout.
     */
    Body read(InputStream in, long limit, long deadline) throws IOException, TooLargeException, TooSlowException {
        byte[] buf = buffer;
        int len = 0;
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                throw new TooSlowException();
            }
            if (len == buf.length) {
                if (len >= limit) {
                    // one more byte would be over the limit: see whether the body has any
                    if (in.read() < 0) {
                        break;
                    }
                    throw new TooLargeException();
                }
                buf = Arrays.copyOf(buf, (int) Math.min(limit, Math.min(Integer.MAX_VALUE - 8, (long) buf.length * 2)));
                if (buf.length <= KEEP_BYTES) {
                    buffer = buf;
                }
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                break;
            }
            len += n;
        }
        if (len > limit) {
            throw new TooLargeException();
        }
        return new Body(buf, len);
    }
}

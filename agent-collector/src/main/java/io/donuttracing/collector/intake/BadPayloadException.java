package io.donuttracing.collector.intake;

/**
 * A request body that is refused after it was read: it cannot be decoded (400), or it would decode into more
 * than its decoder may hold (413, {@link #tooLarge()}). The message says why and is sent back to the client.
 */
public final class BadPayloadException extends RuntimeException {
    private final boolean tooLarge;

    public BadPayloadException(String reason) {
        this(reason, false);
    }

    private BadPayloadException(String reason, boolean tooLarge) {
        super(reason, null, false, false);
        this.tooLarge = tooLarge;
    }

    static BadPayloadException tooLarge(String reason) {
        return new BadPayloadException(reason, true);
    }

    /** The body is well-formed as far as it was read, but holds more than the collector decodes at once. */
    public boolean tooLarge() {
        return tooLarge;
    }
}

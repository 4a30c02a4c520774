package io.donuttracing.collector.intake;

/** A request body that cannot be decoded; its message says why and is sent back to the client. */
public final class BadPayloadException extends RuntimeException {
    public BadPayloadException(String reason) {
        super(reason, null, false, false);
    }
}

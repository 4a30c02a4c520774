package io.donuttracing.matchmaker.web;

import org.springframework.http.HttpStatus;

/** An error a client caused or should know about; {@link JsonErrors} answers it as an {@link ErrorBody}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String error;

    public ApiException(HttpStatus status, String error, String detail, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.error = error;
    }

    public ApiException(HttpStatus status, String error, String detail) {
        this(status, error, detail, null);
    }

    public HttpStatus status() {
        return status;
    }

    public String error() {
        return error;
    }
}

package io.donuttracing.matchmaker.pairing;

import org.springframework.http.HttpStatus;

import io.donuttracing.matchmaker.web.ApiException;

class TasterUnavailableException extends ApiException {

    TasterUnavailableException(String tasterUrl, int calls, Exception lastFailure) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "taster unavailable",
                "no taster call succeeded (" + calls + " tried at " + tasterUrl + "): " + lastFailure.getMessage(),
                lastFailure);
    }
}

package io.donuttracing.matchmaker.pairing;

import org.springframework.http.HttpStatus;

import io.donuttracing.matchmaker.web.ApiException;

class NoMatchException extends ApiException {

    NoMatchException(String beer, int sugar) {
        super(HttpStatus.NOT_FOUND, "no match",
                "no donut suits sugar level " + sugar + ", the level DonutDB advises for '" + beer + "'");
    }
}

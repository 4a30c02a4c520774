package io.donuttracing.matchmaker.donut;

import org.springframework.http.HttpStatus;

import io.donuttracing.matchmaker.web.ApiException;

public class DonutNotFoundException extends ApiException {

    public DonutNotFoundException(String name) {
        super(HttpStatus.NOT_FOUND, "not found", "no donut named '" + name + "'");
    }
}

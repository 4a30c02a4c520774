package io.donuttracing.matchmaker.beer;

import org.springframework.http.HttpStatus;

import io.donuttracing.matchmaker.web.ApiException;

public class BeerNotFoundException extends ApiException {

    public BeerNotFoundException(String name) {
        super(HttpStatus.NOT_FOUND, "not found", "no beer named '" + name + "'");
    }
}

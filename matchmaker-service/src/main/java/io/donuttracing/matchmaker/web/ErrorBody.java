package io.donuttracing.matchmaker.web;

/** The JSON every error answers with: {@code {"error":"...","detail":"..."}}. */
public record ErrorBody(String error, String detail) {
}

package io.donuttracing.taster;

/** The JSON every error answers with: {@code {"error":"...","detail":"..."}}. */
record ErrorBody(String error, String detail) {
}

package io.donuttracing.taster;

class BadRequestException extends RuntimeException {

    BadRequestException(String message) {
        super(message);
    }
}

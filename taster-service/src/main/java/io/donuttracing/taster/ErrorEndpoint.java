package io.donuttracing.taster;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors that never reach a controller (a method Tomcat refuses, such as TRACE) are forwarded to {@code /error};
 * they answer the same JSON as the rest, instead of Spring Boot's own shape or its HTML page. It replaces
 * Spring Boot's {@code BasicErrorController}.
 */
@RestController
class ErrorEndpoint implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<ErrorBody> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer c ? HttpStatus.resolve(c) : null;
        if (status == null) { // asked for directly: there is no such route
            return JsonErrors.json(HttpStatus.NOT_FOUND, new ErrorBody("not found", "no route for "
                    + request.getMethod() + " /error"));
        }
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        String detail = message instanceof String m && !m.isBlank() ? m
                : status.getReasonPhrase() + " (" + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + ")";
        return JsonErrors.json(status, new ErrorBody(status.getReasonPhrase().toLowerCase(Locale.ROOT), detail));
    }
}

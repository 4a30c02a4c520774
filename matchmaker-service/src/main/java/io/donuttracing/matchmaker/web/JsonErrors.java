package io.donuttracing.matchmaker.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every error, Spring's own included (unknown route, wrong method), into an {@link ErrorBody}; never a
 * stack trace. What never reaches a controller (a method Tomcat refuses, such as TRACE) is forwarded to
 * {@code /error} and answered here too, in place of Spring Boot's {@code BasicErrorController}.
 */
@RestControllerAdvice
@RestController
class JsonErrors extends ResponseEntityExceptionHandler implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(JsonErrors.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorBody> api(ApiException e) {
        if (e.status().is5xxServerError()) {
            log.warn("{}: {}", e.error(), e.getMessage());
        }
        return json(e.status(), new ErrorBody(e.error(), e.getMessage()));
    }

    /** A query string Tomcat cannot decode ({@code ?name=%}): the client's mistake, not ours. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ErrorBody> malformedQuery(InvalidParameterException e) {
        return json(HttpStatus.BAD_REQUEST, new ErrorBody("bad request", "the query string is malformed: " + e.getMessage()));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> unexpected(Exception e) {
        log.error("unexpected error", e);
        return json(HttpStatus.INTERNAL_SERVER_ERROR, new ErrorBody("internal error", "the matchmaker failed; see its log"));
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        HttpStatus known = HttpStatus.resolve(status.value());
        String error = known == null ? "error" : known.getReasonPhrase().toLowerCase(Locale.ROOT);
        String detail = e instanceof NoResourceFoundException missing
                ? "no route for " + missing.getHttpMethod() + " /" + missing.getResourcePath()
                : e instanceof ErrorResponse response ? response.getBody().getDetail() : e.getMessage();
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
                .body(new ErrorBody(error, detail));
    }

    @RequestMapping("/error")
    ResponseEntity<ErrorBody> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer c ? HttpStatus.resolve(c) : null;
        if (status == null) { // asked for directly: there is no such route
            return json(HttpStatus.NOT_FOUND, new ErrorBody("not found", "no route for "
                    + request.getMethod() + " /error"));
        }
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        String detail = message instanceof String m && !m.isBlank() ? m
                : status.getReasonPhrase() + " (" + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + ")";
        return json(status, new ErrorBody(status.getReasonPhrase().toLowerCase(Locale.ROOT), detail));
    }

    /**
     * The content type is set here, not negotiated: an error answers JSON whatever the client accepts (with
     * {@code Accept: application/xml}, negotiation had turned a 404 into an empty 500).
     */
    static <T> ResponseEntity<T> json(HttpStatusCode status, T body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}

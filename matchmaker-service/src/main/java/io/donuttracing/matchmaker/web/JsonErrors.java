package io.donuttracing.matchmaker.web;

import java.util.Locale;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Turns every error, Spring's own included (unknown route, wrong method), into an {@link ErrorBody}. */
@RestControllerAdvice
class JsonErrors extends ResponseEntityExceptionHandler {

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

    /**
     * The content type is set here, not negotiated: an error answers JSON whatever the client accepts (with
     * {@code Accept: application/xml}, negotiation had turned a 404 into an empty 500).
     */
    static <T> ResponseEntity<T> json(HttpStatusCode status, T body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}

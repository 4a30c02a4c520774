package io.donuttracing.taster;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every error, Spring's own included (unknown route, wrong method), into an {@link ErrorBody}; never a
 * stack trace. What never reaches a controller (a method Tomcat refuses, such as TRACE) is forwarded to
 * {@code /error} and answered here too, in place of Spring Boot's {@code BasicErrorController}; what Tomcat
 * answers without any servlet (a malformed URL) by {@link TomcatErrorReport}.
 */
@RestControllerAdvice
@RestController
class JsonErrors extends ResponseEntityExceptionHandler implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(JsonErrors.class);

    @ExceptionHandler(BadRequestException.class)
    ResponseEntity<ErrorBody> badRequest(BadRequestException e) {
        return json(HttpStatus.BAD_REQUEST, new ErrorBody("bad request", e.getMessage()));
    }

    /** A query string Tomcat cannot decode ({@code ?name=%}): the client's mistake, not ours. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ErrorBody> malformedQuery(InvalidParameterException e) {
        return json(HttpStatus.BAD_REQUEST, new ErrorBody("bad request", "the query string is malformed: " + e.getMessage()));
    }

    /**
     * A {@code multipart/form-data} body Spring could not parse (no boundary, a broken part): no route takes one,
     * but Spring reads it before choosing the route. The client's mistake, not a failure.
     */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ErrorBody> unreadableMultipart(MultipartException e) {
        Throwable cause = e.getMostSpecificCause();
        return json(HttpStatus.BAD_REQUEST, new ErrorBody("bad request", "the multipart body could not be read"
                + (cause != e && cause.getMessage() != null ? ": " + cause.getMessage() : "")));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> unexpected(Exception e) {
        log.error("unexpected error", e);
        return json(HttpStatus.INTERNAL_SERVER_ERROR, new ErrorBody("internal error", "the taster failed; see its log"));
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
                .body(new ErrorBody("bad request", "query parameter '" + e.getParameterName() + "' is required"));
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        HttpStatus known = HttpStatus.resolve(status.value());
        String error = known == null ? "error" : known.getReasonPhrase().toLowerCase(Locale.ROOT);
        String detail = e instanceof NoResourceFoundException missing
                ? noRoute(missing, request)
                : e instanceof ErrorResponse response ? response.getBody().getDetail() : e.getMessage();
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
                .body(new ErrorBody(error, detail));
    }

    /**
     * The path as the client sent it ({@code /beers/}): Spring's resource path has lost a trailing or a doubled
     * slash, and "no route for GET /beers" would name a route that exists.
     */
    private static String noRoute(NoResourceFoundException missing, WebRequest request) {
        String path = request instanceof ServletWebRequest web ? web.getRequest().getRequestURI()
                : "/" + missing.getResourcePath();
        return "no route for " + missing.getHttpMethod() + " " + path
                + (path.length() > 1 && path.endsWith("/") ? " (the routes have no trailing slash)" : "");
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

    /**
     * Tomcat refuses a malformed URL ({@code /beers/%2F}, {@code %00}, {@code %zz}) before any servlet sees it,
     * and its error report valve answers with an HTML page. This puts {@link TomcatErrorReport} in its place.
     */
    @Bean
    static WebServerFactoryCustomizer<TomcatServletWebServerFactory> tomcatErrorsInJson() {
        return factory -> factory.addContextCustomizers(context -> {
            StandardHost host = (StandardHost) context.getParent();
            Pipeline pipeline = host.getPipeline();
            for (Valve valve : pipeline.getValves()) {
                // Spring Boot's (it hides Tomcat's version): its customizer, of order 0, has run before this
                // unordered one
                if (valve instanceof ErrorReportValve) {
                    pipeline.removeValve(valve);
                }
            }
            host.setErrorReportValveClass(TomcatErrorReport.class.getName()); // else Tomcat adds its own at start
            pipeline.addValve(new TomcatErrorReport());
        });
    }

    /** Tomcat's error report as an {@link ErrorBody}: the status, and what Tomcat said about which request. */
    static final class TomcatErrorReport extends ErrorReportValve {
        private static final JsonMapper JSON = JsonMapper.builder().build();

        @Override
        protected void report(Request request, Response response, Throwable t) {
            int code = response.getStatus();
            if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            HttpStatus status = HttpStatus.resolve(code);
            String reason = status == null ? "error" : status.getReasonPhrase();
            String message = response.getMessage();
            // no URI: Tomcat could not read the request line (longer than its 8 KB for the headers, or garbled)
            String detail = request.getRequestURI() == null ? "the request line is too long or malformed"
                    : (message == null || message.isBlank() ? reason : message)
                            + " (" + request.getMethod() + " " + request.getRequestURI() + ")";
            try {
                response.setContentType(MediaType.APPLICATION_JSON_VALUE);
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(JSON.writeValueAsString(new ErrorBody(reason.toLowerCase(Locale.ROOT), detail)));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the client has gone
            }
        }
    }
}

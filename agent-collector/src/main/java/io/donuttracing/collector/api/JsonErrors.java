package io.donuttracing.collector.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error the controllers do not answer themselves, in their form: {@code {"error":"...","detail":"..."}},
 * JSON whatever the client accepts. Spring's own (an unknown route, a wrong method), a query string Tomcat
 * cannot decode (400), a bug (500, logged), what never reaches a controller ({@code /error}: a method Tomcat
 * refuses), and what Tomcat answers without any servlet (a malformed URL, {@link TomcatErrorReport}).
 */
@RestControllerAdvice
@RestController
class JsonErrors extends ResponseEntityExceptionHandler implements ErrorController {

    /** {@code ?service=%E9}, not UTF-8: the client's mistake, not a failure of the collector. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Object> malformedQuery(InvalidParameterException e) {
        return json(HttpStatus.BAD_REQUEST, "the query string is malformed: " + e.getMessage());
    }

    /** A query parameter given twice or outside what it takes ({@link QueryController}): the detail says which. */
    @ExceptionHandler(QueryController.BadParameterException.class)
    ResponseEntity<Object> badParameter(QueryController.BadParameterException e) {
        return json(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e) {
        logger.error("unexpected error", e);
        return json(HttpStatus.INTERNAL_SERVER_ERROR, "the collector failed; see its log");
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String detail = e instanceof NoResourceFoundException missing
                ? noRoute(missing, request)
                : e.getMessage();
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
                .body(body(status, detail));
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
    ResponseEntity<Object> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer c ? HttpStatus.resolve(c) : null;
        if (status == null) {
            return json(HttpStatus.NOT_FOUND, "no route for " + request.getMethod() + " /error");
        }
        return json(status, status.getReasonPhrase() + " (" + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + ")");
    }

    private static ResponseEntity<Object> json(HttpStatus status, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body(status, detail));
    }

    /** {@code not_found}, {@code method_not_allowed}...: the status's reason, as the controllers name errors. */
    private static Map<String, Object> body(HttpStatusCode status, String detail) {
        HttpStatus known = HttpStatus.resolve(status.value());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", known == null ? "error" : known.name().toLowerCase(Locale.ROOT));
        body.put("detail", detail);
        return body;
    }

    /**
     * Tomcat refuses a malformed URL ({@code /%00}, {@code %zz}) before any servlet sees it, and its error report
     * valve answers with an HTML page. This puts {@link TomcatErrorReport} in its place.
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

    /** Tomcat's error report in the controllers' form: the status, and what Tomcat said about which request. */
    static final class TomcatErrorReport extends ErrorReportValve {
        private static final JsonMapper JSON = JsonMapper.builder().build();

        @Override
        protected void report(Request request, Response response, Throwable t) {
            int code = response.getStatus();
            if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            HttpStatus status = HttpStatus.resolve(code);
            String message = response.getMessage();
            String said = message != null && !message.isBlank() ? message : status != null ? status.getReasonPhrase() : "error";
            // what Tomcat found wrong with the request ("Request header is too large"); never a server's failure
            if (code < 500 && t != null && t.getMessage() != null && !t.getMessage().isBlank()) {
                said = t.getMessage();
            }
            // no URI: Tomcat could not read the request line (longer than its 8 KB for the headers, or garbled)
            String detail = request.getRequestURI() == null ? "the request line is too long or malformed"
                    : said + " (" + request.getMethod() + " " + request.getRequestURI() + ")";
            try {
                response.setContentType(MediaType.APPLICATION_JSON_VALUE);
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(JSON.writeValueAsString(body(HttpStatusCode.valueOf(code), detail)));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the client has gone
            }
        }
    }
}

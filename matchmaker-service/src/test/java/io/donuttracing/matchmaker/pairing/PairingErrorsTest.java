package io.donuttracing.matchmaker.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;

/** Every way /pair/beer can fail short of a working taster; the taster here is not running. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class PairingErrorsTest {

    static final int STOPPED_TASTER_PORT = TestRedis.freePort();

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        TestAgent.register(registry);
        registry.add("taster.url", () -> "http://127.0.0.1:" + STOPPED_TASTER_PORT);
    }

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @Test
    void aMissingNameIs400() {
        HttpResponse<String> response = http.get("/pair/beer");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"error\":\"bad request\","
                + "\"detail\":\"query parameter 'name' is required, e.g. /pair/beer?name=ipa\"}");
    }

    @Test
    void aBlankNameIs400() {
        assertThat(http.get("/pair/beer?name=%20%20").statusCode()).isEqualTo(400);
        assertThat(http.get("/pair/beer?name=").statusCode()).isEqualTo(400);
    }

    @Test
    void anUnknownBeerIs404() {
        HttpResponse<String> response = http.get("/pair/beer?name=mead");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no beer named 'mead'\"}");
    }

    @Test
    void aStoppedTasterIs503() {
        HttpResponse<String> response = http.get("/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"taster unavailable\",\"detail\":\"no taster call succeeded "
                + "(4 tried at http://127.0.0.1:" + STOPPED_TASTER_PORT + "): I/O error on GET request for");
    }

    @Test
    void noDonutForTheAdvisedSugarLevelIs404() {
        redis.opsForValue().set("optimal_sugar_level_for_hops_4", "1");
        try {
            HttpResponse<String> response = http.get("/pair/beer?name=pilsner");

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo("{\"error\":\"no match\",\"detail\":\"no donut suits sugar level 1, "
                    + "the level DonutDB advises for 'pilsner'\"}");
        } finally {
            redis.opsForValue().set("optimal_sugar_level_for_hops_4", "4");
        }
    }

    @Test
    void unknownRoutesAndWrongMethodsAnswerJson() {
        HttpResponse<String> unknown = http.get("/pair/wine");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no route for GET /pair/wine\"}");
        // the path as sent: Spring's own would say "no route for GET /beers", a route that exists
        HttpResponse<String> slash = http.get("/beers/");
        assertThat(slash.statusCode()).isEqualTo(404);
        assertThat(slash.body()).isEqualTo(
                "{\"error\":\"not found\",\"detail\":\"no route for GET /beers/ (the routes have no trailing slash)\"}");
        assertThat(http.get("/beers//ipa").body()).contains("no route for GET /beers//ipa\"");

        HttpResponse<String> post = http.post("/beers");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).isEqualTo("{\"error\":\"method not allowed\",\"detail\":\"Method 'POST' is not supported.\"}");
    }

    @Test
    void malformedRequestsAndPickyClientsStillGetJson() {
        // a query string Tomcat cannot decode: the client's mistake, 400, not a 500 and a stack trace
        assertThat(http.raw("GET /pair/beer?name=%")).startsWith("HTTP/1.1 400")
                .contains("Content-Type: application/json").contains("\"error\":\"bad request\"")
                .contains("the query string is malformed");
        // a URL Tomcat refuses before any servlet sees it: JSON too, not Tomcat's HTML page
        assertThat(http.raw("GET /beers/%2F")).startsWith("HTTP/1.1 400").contains("Content-Type: application/json")
                .endsWith("{\"error\":\"bad request\",\"detail\":\"Invalid URI: [The encoded slash character is not allowed] (GET /beers/%2F)\"}");
        assertThat(http.raw("GET /beers/%00")).startsWith("HTTP/1.1 400")
                .endsWith("{\"error\":\"bad request\",\"detail\":\"Invalid URI (GET /beers/%00)\"}");
        // a client that accepts only XML still learns what was wrong, in JSON, with the right status
        HttpResponse<String> xml = http.send("GET", "/beers/mead", "Accept", "application/xml");
        assertThat(xml.statusCode()).isEqualTo(404);
        assertThat(xml.body()).contains("\"error\":\"not found\"");
        HttpResponse<String> html = http.send("GET", "/nope", "Accept", "text/html");
        assertThat(html.statusCode()).isEqualTo(404);
        assertThat(html.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no route for GET /nope\"}");
        // what Tomcat refuses before any controller, and /error itself
        HttpResponse<String> trace = http.send("TRACE", "/beers");
        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(trace.body()).startsWith("{\"error\":\"method not allowed\"");
        HttpResponse<String> error = http.get("/error");
        assertThat(error.statusCode()).isEqualTo(404);
        assertThat(error.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no route for GET /error\"}");
    }

    @Test
    void aMultipartContentTypeWithoutBoundaryIs400AndNoStackTrace(CapturedOutput output) {
        for (String path : new String[] {"/beers", "/pair/beer?name=ipa", "/ping"}) {
            HttpResponse<String> response = http.send("GET", path, "Content-Type", "multipart/form-data");

            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.body()).as(path).isEqualTo("{\"error\":\"bad request\",\"detail\":\"the multipart "
                    + "body could not be read: the request was rejected because no multipart boundary was found\"}");
        }
        assertThat(output.getAll()).doesNotContain("MultipartException");
    }

    @Test
    void aRequestLineOver8KbIs400AndSaysSo() {
        assertThat(http.raw("GET /pair/beer?name=" + "a".repeat(9000))).startsWith("HTTP/1.1 400")
                .contains("Content-Type: application/json")
                .endsWith("{\"error\":\"bad request\",\"detail\":\"the request line is too long or malformed\"}");
    }

    @Test
    void pingAnswers() {
        assertThat(http.get("/ping").body()).isEqualTo("{\"status\":\"ok\"}");
    }
}

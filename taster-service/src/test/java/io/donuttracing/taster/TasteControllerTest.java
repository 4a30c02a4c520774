package io.donuttracing.taster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"taster.seed=42", "taster.delay-ms=40"})
@ExtendWith(OutputCaptureExtension.class)
class TasteControllerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    /**
     * From step 6 on the taster is traced: its tracer sends to a port nothing listens on, as when the
     * collector is not running, not to the default 8126, where a workshop left running would get the
     * tests' spans.
     */
    @DynamicPropertySource
    static void noCollector(DynamicPropertyRegistry registry) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int closed = socket.getLocalPort();
            registry.add("dd.trace.agent.port", () -> closed);
        }
    }

    @Test
    void scoresAPairTheSameWayEveryTimeWhenSeeded() throws Exception {
        HttpResponse<String> first = get("/taste?beer=ipa&donut=jelly");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(first.body()).isEqualTo("{\"score\":2}");
        assertThat(get("/taste?beer=ipa&donut=jelly").body()).isEqualTo(first.body());
        assertThat(get("/taste?beer=IPA&donut=Jelly").body()).isEqualTo(first.body());
    }

    @Test
    void answersPing() throws Exception {
        assertThat(get("/ping").body()).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void rejectsAMissingDonut() throws Exception {
        HttpResponse<String> response = get("/taste?beer=ipa");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"bad request\",\"detail\":\"query parameter 'donut' is required\"}");
    }

    @Test
    void rejectsABlankBeer() throws Exception {
        HttpResponse<String> response = get("/taste?beer=%20&donut=jelly");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body())
                .isEqualTo("{\"error\":\"bad request\",\"detail\":\"both 'beer' and 'donut' must be non-blank\"}");
    }

    @Test
    void answersUnknownRoutesAndWrongMethodsWithJson() throws Exception {
        HttpResponse<String> unknown = get("/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no route for GET /nope\"}");
        assertThat(get("/taste/").body()).isEqualTo(
                "{\"error\":\"not found\",\"detail\":\"no route for GET /taste/ (the routes have no trailing slash)\"}");

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/taste"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.body()).startsWith("{\"error\":\"method not allowed\",\"detail\":");
    }

    @Test
    void malformedRequestsAndPickyClientsStillGetJson() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) { // a raw "%": no URI class sends it
            socket.getOutputStream().write("GET /taste?beer=ipa&donut=% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("\"error\":\"bad request\"")
                    .contains("the query string is malformed");
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) { // refused by Tomcat before any servlet
            socket.getOutputStream().write("GET /taste/a%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("Content-Type: application/json").endsWith(
                            "{\"error\":\"bad request\",\"detail\":\"Invalid URI: [The hexadecimal encoding is invalid] (GET /taste/a%zz)\"}");
        }
        HttpResponse<String> xml = http.send(HttpRequest.newBuilder(uri("/taste?beer=ipa")).header("Accept", "application/xml")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(xml.statusCode()).isEqualTo(400);
        assertThat(xml.body()).isEqualTo("{\"error\":\"bad request\",\"detail\":\"query parameter 'donut' is required\"}");
        HttpResponse<String> trace = http.send(HttpRequest.newBuilder(uri("/taste")).method("TRACE",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(trace.body()).startsWith("{\"error\":\"method not allowed\"");
    }

    @Test
    void aMultipartContentTypeWithoutBoundaryIs400AndNoStackTrace(CapturedOutput output) throws Exception {
        for (String path : new String[] {"/taste?beer=ipa&donut=jelly", "/ping"}) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path))
                    .header("Content-Type", "multipart/form-data").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.body()).as(path).isEqualTo("{\"error\":\"bad request\",\"detail\":\"the multipart "
                    + "body could not be read: the request was rejected because no multipart boundary was found\"}");
        }
        assertThat(output.getAll()).doesNotContain("MultipartException");
    }

    @Test
    void aNameCannotForgeOrBreakTheLog(CapturedOutput output) throws Exception {
        // a line break would start a log line of the client's own; a NUL makes grep call taster.log binary
        HttpResponse<String> response = get("/taste?beer=ipa%0D%0A2026-11-28T20:00:00.000Z%20ERROR%20forged"
                + "&donut=jel%00ly%09%1B%5B31m");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(output.getAll()).doesNotContain("\nforged").doesNotContain("\n2026-11-28T20:00:00.000Z ERROR")
                .doesNotContain("\u0000").doesNotContain("\u001b")
                .contains("tasted ipa\\r\\n2026-11-28T20:00:00.000Z ERROR forged with jel\\u0000ly\\t\\u001b[31m: ");
    }

    /** A backslash is escaped too, or a name holding backslash-n would read as one holding a line break. */
    @Test
    void aBackslashAndAUnicodeLineSeparatorAreEscapedToo() {
        assertThat(TasteController.printable("a\\nb")).isEqualTo("a\\\\nb");
        assertThat(TasteController.printable("a\u2028b\u2029c")).isEqualTo("a\\u2028b\\u2029c");
        assertThat(TasteController.printable("glazed")).isSameAs("glazed");
    }

    @Test
    void aRequestLineOver8KbIs400AndSaysSo() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET /taste?beer=ipa&donut=" + "a".repeat(9000)
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("Content-Type: application/json").endsWith(
                            "{\"error\":\"bad request\",\"detail\":\"the request line is too long or malformed\"}");
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}

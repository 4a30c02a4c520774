package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * A body holds a decoder while it arrives. One that takes longer than the receiver timeout (here 1 s; the agent's
 * and the default 5 s) gets 408 and frees its decoder, whether it comes a byte now and then or stops coming: before,
 * a byte every few seconds held the only decoder for as long as the client liked, and every tracer got 429.
 */
@TestPropertySource(properties = {"collector.decoders=1", "collector.receiver-timeout=1s"})
class ReceiverTimeoutHttpTest extends CollectorTestBase {

    @Test
    void infoSaysTheTimeoutInForce() throws Exception {
        assertThat(getJson("/info").at("/config/receiver_timeout").asInt()).isEqualTo(1);
    }

    @Test
    void aBodyThatComesAByteNowAndThenIs408AndFreesTheDecoder() throws Exception {
        long slowId = newId();
        byte[] body = TestPayloads.v04(List.of(List.of(new S(slowId, 1, 0).service("timeout-trickle"))));
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (Socket slow = start(body)) {
            OutputStream out = slow.getOutputStream();
            int[] sent = {4};
            trickle.scheduleAtFixedRate(() -> { // a byte every 200 ms: each read gets one, well within the read timeout
                try {
                    if (sent[0] < body.length - 1) { // never the last byte
                        out.write(body[sent[0]++]);
                        out.flush();
                    }
                } catch (IOException e) {
                    // answered and closed: done
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
            assertThat(answer(slow)).startsWith("HTTP/1.1 408").contains("Connection: close")
                    .endsWith("{\"error\":\"request_timeout\",\"detail\":\"the body did not arrive within 1000 ms "
                            + "(the receiver timeout, DD_APM_RECEIVER_TIMEOUT); nothing of it is kept\"}");
        } finally {
            trickle.shutdownNow();
        }
        assertTheDecoderIsFreeAndNothingOfTheBodyKept(slowId);
    }

    @Test
    void aBodyThatStopsComingIs408AndFreesTheDecoder() throws Exception {
        long slowId = newId();
        try (Socket slow = start(TestPayloads.v04(List.of(List.of(new S(slowId, 1, 0).service("timeout-silent")))))) {
            // Tomcat's read timeout (the receiver timeout too) ends the read, and Tomcat answers
            assertThat(answer(slow)).startsWith("HTTP/1.1 408").contains("Connection: close")
                    .contains("{\"error\":\"request_timeout\",");
        }
        assertTheDecoderIsFreeAndNothingOfTheBodyKept(slowId);
    }

    /**
     * A client that closes its connection in the middle of its body (a tracer stopped with Ctrl-C) is counted, and
     * not logged as the collector's failure: each one was "ERROR ... unexpected error" and 70 lines of stack trace.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aClientThatGoesInTheMiddleOfItsBodyIsCountedNotLoggedAsAFailure(CapturedOutput output) throws Exception {
        long goneId = newId();
        long before = getJson("/api/stats").at("/intake/payloads_rejected.client_gone").asLong();
        start(TestPayloads.v04(List.of(List.of(new S(goneId, 1, 0).service("timeout-gone"))))).close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(getJson("/api/stats").at("/intake/payloads_rejected.client_gone").asLong())
                        .isEqualTo(before + 1));
        assertThat(output.getAll()).doesNotContain("unexpected error").doesNotContain("ClientAbortException");
        long afterId = newId();
        assertThat(put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(new S(afterId, 1, 0).service("timeout-after"))))).statusCode())
                .isEqualTo(200);
        assertThat(get("/api/traces/" + goneId).statusCode()).isEqualTo(404);
    }

    /** A v0.4 request for {@code body}, with its headers and four bytes of it sent. */
    private Socket start(byte[] body) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("PUT /v0.4/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/msgpack\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, 4);
        out.flush();
        return s;
    }

    /**
     * The answer's head and JSON body, read up to the body's end: Tomcat then reads and drops what the client still
     * sends of its body (on a thread of its own, not a decoder) before it closes the connection.
     */
    private static String answer(Socket slow) throws IOException {
        java.io.InputStream in = slow.getInputStream();
        java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
        int depth = 0;
        boolean inBody = false;
        for (int b; (b = in.read()) >= 0; ) {
            seen.write(b);
            inBody |= b == '{';
            depth += b == '{' ? 1 : b == '}' ? -1 : 0;
            if (inBody && depth == 0) {
                break;
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private void assertTheDecoderIsFreeAndNothingOfTheBodyKept(long slowId) throws Exception {
        long afterId = newId();
        HttpResponse<String> after = put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(new S(afterId, 1, 0).service("timeout-after")))));
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + afterId).statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + slowId).statusCode()).isEqualTo(404);
        assertThat(getJson("/api/stats").at("/intake/payloads_rejected.timeout").asLong()).isPositive();
    }
}

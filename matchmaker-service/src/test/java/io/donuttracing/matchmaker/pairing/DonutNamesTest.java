package io.donuttracing.matchmaker.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
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

import com.sun.net.httpserver.HttpServer;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;

/**
 * DonutDB's donut names reach the taster as they are, whatever characters they hold: a learner may push any name
 * into {@code donuts_by_sugar_level_<n>}. The taster here is a real HTTP server on a free port that records the
 * parameters it is sent, as step 10's {@code PrintRequests} does, and scores every pair 5.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class DonutNamesTest {

    static final List<String> tasted = new CopyOnWriteArrayList<>();
    static final HttpServer taster = recordingTaster();

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        TestAgent.register(registry);
        registry.add("taster.url", () -> "http://127.0.0.1:" + taster.getAddress().getPort());
    }

    @AfterAll
    static void stopTaster() {
        taster.stop(0);
    }

    @LocalServerPort
    int port;

    @Autowired
    StringRedisTemplate redis;

    @Test
    void namesWithBracesPlusSignsAndAmpersandsAreSentAsTheyAre(CapturedOutput output) {
        String key = "donuts_by_sugar_level_7"; // ipa has 7 hops, and DonutDB advises sugar level 7 for them
        List<String> seeded = redis.opsForList().range(key, 0, -1);
        List<String> names = List.of("{frosting}", "maple+bacon", "mac & cheese", "100%");
        try {
            redis.delete(key);
            redis.opsForList().rightPushAll(key, names);

            HttpResponse<String> response = new Http(port).get("/pair/beer?name=ipa");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"match\":\"{frosting}\"}"); // every score 5: the first wins
            assertThat(tasted).containsExactlyInAnyOrder(names.stream().map(n -> "ipa|" + n).toArray(String[]::new));
            assertThat(output.getAll()).doesNotContain("unexpected error").doesNotContain("skipping");
        } finally {
            redis.delete(key);
            redis.opsForList().rightPushAll(key, seeded);
        }
    }

    /** Answers {@code {"score":5}} to every /taste, keeping its beer and donut, decoded, as {@code beer|donut}. */
    private static HttpServer recordingTaster() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.createContext("/taste", exchange -> {
                try {
                    String beer = null;
                    String donut = null;
                    for (String pair : exchange.getRequestURI().getRawQuery().split("&")) {
                        String[] nameValue = pair.split("=", 2);
                        String value = URLDecoder.decode(nameValue.length > 1 ? nameValue[1] : "", StandardCharsets.UTF_8);
                        if (nameValue[0].equals("beer")) {
                            beer = value;
                        } else if (nameValue[0].equals("donut")) {
                            donut = value;
                        } else {
                            beer = donut = "unexpected parameter " + pair;
                        }
                    }
                    tasted.add(beer + "|" + donut);
                    byte[] answer = "{\"score\":5}".getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                } finally {
                    exchange.close();
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.donuttracing.matchmaker.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;

/**
 * Redis's address takes no connection: a port whose backlog is full, so that a new connection is neither accepted
 * nor refused, as when Redis's host is gone from the network. The 503 still says what went wrong.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisUnansweredTest {

    static final List<SocketChannel> waiting = new ArrayList<>();
    static final ServerSocket unanswered = fullBacklog();

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + unanswered.getLocalPort());
        TestAgent.register(registry);
    }

    @AfterAll
    static void close() throws IOException {
        for (SocketChannel channel : waiting) {
            channel.close();
        }
        unanswered.close();
    }

    @LocalServerPort
    int port;

    @Test
    void aRedisThatTakesNoConnectionIsA503ThatSaysSo() {
        HttpResponse<String> response = new Http(port).get("/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"redis unavailable\",\"detail\":\"DonutDB (Redis at 127.0.0.1:"
                + unanswered.getLocalPort() + ") is unreachable: ").doesNotContain("null")
                // spring.data.redis.connect-timeout=1s in force (Lettuce's own default is 10 s)
                .endsWith("connection timed out after 1000 ms: /127.0.0.1:" + unanswered.getLocalPort() + "\"}");
    }

    /** Listens, accepts nothing, and has as many connections waiting as its backlog holds. */
    private static ServerSocket fullBacklog() {
        try {
            ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            for (int i = 0; i < 4; i++) {
                SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                waiting.add(channel);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

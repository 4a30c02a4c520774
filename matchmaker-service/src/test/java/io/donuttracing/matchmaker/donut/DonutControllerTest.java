package io.donuttracing.matchmaker.donut;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DonutControllerTest {

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        TestAgent.register(registry);
    }

    @LocalServerPort
    int port;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @Test
    void listsTheDonuts() {
        HttpResponse<String> response = http.get("/donuts");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"donuts\":[{\"id\":1,\"name\":\"jelly\"},{\"id\":2,\"name\":\"chocolate\"},"
                + "{\"id\":3,\"name\":\"glazed\"},{\"id\":4,\"name\":\"bacon\"},{\"id\":5,\"name\":\"bavarian\"}]}");
    }

    @Test
    void showsOneDonutWhateverTheCaseOfItsName() {
        String bacon = "{\"id\":4,\"name\":\"bacon\",\"sugar\":4,\"bakery\":\"Voodoo Doughnut\"}";

        assertThat(http.get("/donuts/bacon").body()).isEqualTo(bacon);
        assertThat(http.get("/donuts/Bacon").body()).isEqualTo(bacon);
    }

    @Test
    void answersAnUnknownDonutWith404() {
        HttpResponse<String> response = http.get("/donuts/cruller");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no donut named 'cruller'\"}");
    }
}

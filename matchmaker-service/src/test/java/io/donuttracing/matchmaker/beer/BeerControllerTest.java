package io.donuttracing.matchmaker.beer;

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
class BeerControllerTest {

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
    void listsTheBeers() {
        HttpResponse<String> response = http.get("/beers");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"beers\":[{\"id\":1,\"name\":\"ipa\"},{\"id\":2,\"name\":\"lager\"},"
                + "{\"id\":3,\"name\":\"pilsner\"},{\"id\":4,\"name\":\"stout\"}]}");
    }

    @Test
    void showsOneBeerWhateverTheCaseOfItsName() {
        String ipa = "{\"id\":1,\"name\":\"ipa\",\"brewer\":\"Lagunitas Brewing Company\",\"hops\":7}";

        assertThat(http.get("/beers/ipa").body()).isEqualTo(ipa);
        assertThat(http.get("/beers/IPA").body()).isEqualTo(ipa);
    }

    @Test
    void answersAnUnknownBeerWith404() {
        HttpResponse<String> response = http.get("/beers/mead");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no beer named 'mead'\"}");
    }
}

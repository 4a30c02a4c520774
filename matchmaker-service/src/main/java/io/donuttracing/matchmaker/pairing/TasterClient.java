package io.donuttracing.matchmaker.pairing;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/** Asks the taster service to score one beer and donut pair. */
@Component
class TasterClient {

    private final RestClient rest;
    private final String baseUrl;

    TasterClient(RestClient.Builder builder, @Value("${taster.url}") String baseUrl,
            @Value("${taster.timeout}") Duration timeout) {
        var requestFactory = new SimpleClientHttpRequestFactory();
        requestFactory.setConnectTimeout(timeout);
        requestFactory.setReadTimeout(timeout);
        this.rest = builder.baseUrl(baseUrl).requestFactory(requestFactory).build();
        this.baseUrl = baseUrl;
    }

    /** @throws RestClientException when the call fails or times out */
    int score(String beer, String donut) {
        Tasting tasting = rest.get()
                .uri("/taste?beer={beer}&donut={donut}", beer, donut)
                .retrieve()
                .body(Tasting.class);
        if (tasting == null) {
            throw new RestClientException("the taster answered without a score");
        }
        return tasting.score();
    }

    String baseUrl() {
        return baseUrl;
    }

    record Tasting(int score) {
    }
}

package io.donuttracing.matchmaker.pairing;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClientException;

import io.donuttracing.matchmaker.beer.Beer;
import io.donuttracing.matchmaker.beer.BeerNotFoundException;
import io.donuttracing.matchmaker.beer.BeerRepository;
import io.donuttracing.matchmaker.donut.DonutRepository;
import io.donuttracing.matchmaker.donutdb.DonutDb;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;

/**
 * Finds the donut that goes best with a beer, the way the seed workshop did it: slowly, on purpose.
 * Each step is one method so that it can be timed, traced and, in the last workshop step, fixed.
 */
@Service
public class PairingService {

    static final int MAX_CANDIDATES = 10;

    private static final Logger log = LoggerFactory.getLogger(PairingService.class);

    private final BeerRepository beers;
    private final DonutRepository donuts;
    private final DonutDb donutDb;
    private final TasterClient taster;
    private final Tracer tracer;

    PairingService(BeerRepository beers, DonutRepository donuts, DonutDb donutDb, TasterClient taster,
            Tracer tracer) {
        this.beers = beers;
        this.donuts = donuts;
        this.donutDb = donutDb;
        this.taster = taster;
        this.tracer = tracer;
    }

    public String bestMatch(String beerName) {
        Beer beer;
        try (Span span = tracer.trace("beer.query", "db")) {
            beer = queryBeer(beerName);
        }
        try (Span span = tracer.trace("donuts.query", "db")) {
            queryAllDonuts();
        }
        List<String> candidates = candidatesFor(beer);
        try (Span span = tracer.trace("match")) {
            return tasteEach(beer, candidates);
        }
    }

    Beer queryBeer(String name) {
        return beers.findByNameIgnoreCase(name).orElseThrow(() -> new BeerNotFoundException(name));
    }

    /** The seed forces this query and never uses the result: a waste the traces will show. */
    void queryAllDonuts() {
        donuts.findAllByOrderById();
    }

    List<String> candidatesFor(Beer beer) {
        int sugar = donutDb.optimalSugarLevel(beer.getHops());
        List<String> candidates = donutDb.donutsBySugarLevel(sugar, MAX_CANDIDATES);
        if (candidates.isEmpty()) {
            throw new NoMatchException(beer.getName(), sugar);
        }
        return candidates;
    }

    /** One taster call after another; the best score wins, ties go to the earlier candidate. */
    String tasteEach(Beer beer, List<String> candidates) {
        String best = null;
        int bestScore = Integer.MIN_VALUE;
        RestClientException lastFailure = null;
        for (String donut : candidates) {
            try {
                int score = taster.score(beer.getName(), donut);
                if (score > bestScore) {
                    best = donut;
                    bestScore = score;
                }
            } catch (RestClientException e) {
                log.warn("skipping {}: the taster call failed: {}", donut, e.getMessage());
                lastFailure = e;
            }
        }
        if (best == null) {
            throw new TasterUnavailableException(taster.baseUrl(), candidates.size(), lastFailure);
        }
        return best;
    }
}

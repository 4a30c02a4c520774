package io.donuttracing.matchmaker.pairing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClientException;

import io.donuttracing.matchmaker.beer.Beer;
import io.donuttracing.matchmaker.beer.BeerNotFoundException;
import io.donuttracing.matchmaker.beer.BeerRepository;
import io.donuttracing.matchmaker.donutdb.DonutDb;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.context.CurrentSpan;
import jakarta.annotation.PreDestroy;

/**
 * Finds the donut that goes best with a beer. The seed workshop did it slowly; the traces showed why
 * (an unused query of every donut, then one taster call after another), and the last workshop step
 * fixed it: the taster calls run at the same time, the beers are cached, the wasted query is gone.
 */
@Service
public class PairingService {

    static final int MAX_CANDIDATES = 10;
    static final int MAX_CALLS_AT_ONCE = 200;

    private static final Logger log = LoggerFactory.getLogger(PairingService.class);

    private final BeerRepository beers;
    private final DonutDb donutDb;
    private final TasterClient taster;
    private final Tracer tracer;
    /** The beers never change while the app runs (data.sql seeds them), so each is read from H2 once. */
    private final Map<String, Beer> beerCache = new ConcurrentHashMap<>();
    /**
     * Runs the taster calls of a pairing at the same time. Wrapped, so that every task runs with the span
     * that was active where it was submitted: the calls' spans stay in the request's trace, under
     * {@code match}. Threads are made as needed, up to {@value #MAX_CALLS_AT_ONCE}; past that, a call
     * runs on the request's own thread, as before the fix.
     */
    private final ExecutorService tastings = CurrentSpan.wrap(new ThreadPoolExecutor(0, MAX_CALLS_AT_ONCE,
            60, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "taster-call");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.CallerRunsPolicy()));

    PairingService(BeerRepository beers, DonutDb donutDb, TasterClient taster, Tracer tracer) {
        this.beers = beers;
        this.donutDb = donutDb;
        this.taster = taster;
        this.tracer = tracer;
    }

    public String bestMatch(String beerName) {
        Beer beer;
        try (Span span = tracer.trace("beer.query", "db")) {
            String key = beerName.toLowerCase(Locale.ROOT);
            beer = beerCache.get(key);
            span.setTag("cache.hit", beer != null);
            if (beer == null) {
                beer = queryBeer(beerName);
                beerCache.put(key, beer);
            }
        }
        List<String> candidates = candidatesFor(beer);
        try (Span span = tracer.trace("match")) {
            return tasteEach(beer, candidates);
        }
    }

    Beer queryBeer(String name) {
        return beers.findByNameIgnoreCase(name).orElseThrow(() -> new BeerNotFoundException(name));
    }

    List<String> candidatesFor(Beer beer) {
        int sugar = donutDb.optimalSugarLevel(beer.getHops());
        List<String> candidates = donutDb.donutsBySugarLevel(sugar, MAX_CANDIDATES);
        if (candidates.isEmpty()) {
            throw new NoMatchException(beer.getName(), sugar);
        }
        return candidates;
    }

    /** All the taster calls at once; the best score wins, ties go to the earlier candidate. */
    String tasteEach(Beer beer, List<String> candidates) {
        List<Future<Integer>> scores = new ArrayList<>();
        for (String donut : candidates) {
            scores.add(tastings.submit(() -> taster.score(beer.getName(), donut)));
        }
        String best = null;
        int bestScore = Integer.MIN_VALUE;
        RestClientException lastFailure = null;
        for (int i = 0; i < candidates.size(); i++) {
            String donut = candidates.get(i);
            try {
                int score = scores.get(i).get();
                if (score > bestScore) {
                    best = donut;
                    bestScore = score;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RestClientException failure)) {
                    throw new IllegalStateException("tasting " + donut + " failed", e.getCause());
                }
                log.warn("skipping {}: the taster call failed: {}", donut, failure.getMessage());
                lastFailure = failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the taster", e);
            }
        }
        if (best == null) {
            throw new TasterUnavailableException(taster.baseUrl(), candidates.size(), lastFailure);
        }
        return best;
    }

    @PreDestroy
    void stopTastings() {
        tastings.shutdownNow();
    }
}

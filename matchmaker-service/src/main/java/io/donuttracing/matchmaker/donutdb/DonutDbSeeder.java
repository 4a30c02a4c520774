package io.donuttracing.matchmaker.donutdb;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

import io.donuttracing.matchmaker.donut.Donut;
import io.donuttracing.matchmaker.donut.DonutRepository;

/**
 * Writes today's baker opinion into DonutDB at start-up: a beer is balanced by a donut whose sugar
 * level matches its hops, and a donut suits the sugar levels close to its own. It runs before the
 * server accepts requests, so the first pairing already finds DonutDB seeded. A Redis that does not answer
 * then does not stop the matchmaker: pairings answer 503 until it does, and from then on DonutDB's fallbacks
 * stand in for the keys it lacks.
 */
@Component
class DonutDbSeeder implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(DonutDbSeeder.class);

    private final DonutDb donutDb;
    private final DonutRepository donuts;

    DonutDbSeeder(DonutDb donutDb, DonutRepository donuts) {
        this.donutDb = donutDb;
        this.donuts = donuts;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            seed();
        } catch (DonutDbUnavailableException e) {
            log.warn("{}; DonutDB is not seeded: pairings answer 503 until Redis answers, then use the fallbacks",
                    e.getMessage());
        }
    }

    void seed() {
        List<Donut> menu = donuts.findAllByOrderById();
        for (int level = 1; level <= 10; level++) {
            donutDb.putOptimalSugarLevel(level, level);
            donutDb.putDonutsBySugarLevel(level, DonutDb.suitedTo(level, menu));
        }
        log.info("DonutDB seeded for hops and sugar levels 1 to 10");
    }
}

package io.donuttracing.matchmaker.donutdb;

import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import io.donuttracing.matchmaker.donut.Donut;
import io.donuttracing.matchmaker.donut.DonutRepository;

/**
 * DonutDB: time-sensitive donut info, changing with the waves of baker opinion, kept in Redis.
 *
 * <ul>
 * <li>{@code optimal_sugar_level_for_hops_<hops>}: a string, the sugar level that best balances a
 * beer with that many hops. Missing key: the hops value itself is used.</li>
 * <li>{@code donuts_by_sugar_level_<sugar>}: a list of donut names that suit that sugar level, best
 * suited first. Missing key: the donuts of the menu (H2) whose sugar level is within
 * {@value #TOLERANCE} of it, closest first, the same rule that seeds the key.</li>
 * </ul>
 *
 * A Redis restarted without its data (or flushed by a curious learner) thus keeps the pairing working, and so
 * does a key edited into something DonutDB cannot read (a sugar level that is not a number, a string where a
 * list belongs): it is taken as missing, with a warning. Any other Redis failure becomes a
 * {@link DonutDbUnavailableException}.
 */
@Component
public class DonutDb {

    private static final Logger log = LoggerFactory.getLogger(DonutDb.class);

    /** A donut suits the sugar levels within this distance of its own. */
    static final int TOLERANCE = 2;

    private final StringRedisTemplate redis;
    private final DonutRepository menu;

    DonutDb(StringRedisTemplate redis, DonutRepository menu) {
        this.redis = redis;
        this.menu = menu;
    }

    static String optimalSugarLevelKey(int hops) {
        return "optimal_sugar_level_for_hops_" + hops;
    }

    static String donutsBySugarLevelKey(int sugar) {
        return "donuts_by_sugar_level_" + sugar;
    }

    public int optimalSugarLevel(int hops) {
        String key = optimalSugarLevelKey(hops);
        String value = read(key, () -> redis.opsForValue().get(key));
        if (value != null) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                log.warn("{} holds \"{}\", not a sugar level", key, value);
            }
        }
        log.warn("{} is missing from DonutDB; using the hops level {} as the sugar level", key, hops);
        return hops;
    }

    public List<String> donutsBySugarLevel(int sugar, int limit) {
        String key = donutsBySugarLevelKey(sugar);
        List<String> names = read(key, () -> redis.opsForList().range(key, 0, limit - 1L));
        if (names == null || names.isEmpty()) {
            log.warn("{} is missing from DonutDB; choosing from the menu instead", key);
            return suitedTo(sugar, menu.findAllByOrderById()).stream().limit(limit).toList();
        }
        return names;
    }

    static List<String> suitedTo(int sugar, List<Donut> donuts) {
        return donuts.stream()
                .filter(d -> Math.abs(d.getSugar() - sugar) <= TOLERANCE)
                .sorted(Comparator.comparingInt((Donut d) -> Math.abs(d.getSugar() - sugar))
                        .thenComparingInt(Donut::getSugar))
                .map(Donut::getName)
                .toList();
    }

    void putOptimalSugarLevel(int hops, int sugar) {
        call(() -> {
            redis.opsForValue().set(optimalSugarLevelKey(hops), Integer.toString(sugar));
            return null;
        });
    }

    void putDonutsBySugarLevel(int sugar, List<String> donuts) {
        call(() -> {
            redis.delete(donutsBySugarLevelKey(sugar));
            if (!donuts.isEmpty()) {
                redis.opsForList().rightPushAll(donutsBySugarLevelKey(sugar), donuts);
            }
            return null;
        });
    }

    /**
     * A read whose key may hold a value of the wrong kind: Redis answers {@code WRONGTYPE}, and that is null, as
     * for a missing key. Redis itself failing is not that.
     */
    private <T> T read(String key, Supplier<T> command) {
        try {
            return command.get();
        } catch (DataAccessException e) {
            String answer = NestedExceptionUtils.getMostSpecificCause(e).getMessage();
            if (answer != null && answer.startsWith("WRONGTYPE")) {
                log.warn("{} cannot be read: {}", key, answer);
                return null;
            }
            throw new DonutDbUnavailableException(redis, e);
        }
    }

    private <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (DataAccessException e) {
            throw new DonutDbUnavailableException(redis, e);
        }
    }
}

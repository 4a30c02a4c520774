package io.donuttracing.matchmaker.donutdb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DonutDbTest {

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        TestAgent.register(registry);
    }

    @Autowired
    DonutDb donutDb;

    @Autowired
    DonutDbSeeder seeder;

    @Autowired
    StringRedisTemplate redis;

    @AfterEach
    void reseed() {
        seeder.seed();
    }

    @Test
    void isSeededInRedisAtStartUp() {
        assertThat(redis.opsForValue().get("optimal_sugar_level_for_hops_7")).isEqualTo("7");
        assertThat(redis.opsForList().range("donuts_by_sugar_level_7", 0, -1))
                .containsExactly("chocolate", "bavarian", "jelly", "glazed");
    }

    @Test
    void readsWhatRedisHolds() {
        redis.opsForValue().set("optimal_sugar_level_for_hops_7", "5");
        redis.delete("donuts_by_sugar_level_5");
        redis.opsForList().rightPushAll("donuts_by_sugar_level_5", "bacon", "glazed");

        assertThat(donutDb.optimalSugarLevel(7)).isEqualTo(5);
        assertThat(donutDb.donutsBySugarLevel(5, 10)).containsExactly("bacon", "glazed");
        assertThat(donutDb.donutsBySugarLevel(5, 1)).containsExactly("bacon");
    }

    @Test
    void aKeyEditedIntoSomethingUnreadableIsTakenAsMissing() {
        redis.opsForValue().set("optimal_sugar_level_for_hops_8", "high"); // not a number
        redis.delete("donuts_by_sugar_level_8");
        redis.opsForValue().set("donuts_by_sugar_level_8", "jelly"); // a string where a list belongs: WRONGTYPE

        assertThat(donutDb.optimalSugarLevel(8)).isEqualTo(8);
        assertThat(donutDb.donutsBySugarLevel(8, 10)).containsExactly("jelly", "chocolate", "glazed", "bavarian");
        redis.opsForValue().set("optimal_sugar_level_for_hops_8", "99999999999"); // beyond an int
        assertThat(donutDb.optimalSugarLevel(8)).isEqualTo(8);
    }

    @Test
    void fallsBackWhenAKeyIsMissing() {
        redis.delete("optimal_sugar_level_for_hops_8");
        redis.delete("donuts_by_sugar_level_8");

        assertThat(donutDb.optimalSugarLevel(8)).isEqualTo(8);
        assertThat(donutDb.donutsBySugarLevel(8, 10)).containsExactly("jelly", "chocolate", "glazed", "bavarian");
        assertThat(donutDb.donutsBySugarLevel(1, 10)).isEmpty();
    }
}

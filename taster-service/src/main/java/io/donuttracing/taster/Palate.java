package io.donuttracing.taster;

import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The taster's judgement of a beer and donut pair, on a scale of 1 to 10.
 *
 * <p>A pair starts at 4, gains one point for every letter the two names share (a taster's whim),
 * then moves by a mood between -2 and +2, and is kept within 1..10. Without a seed the mood is
 * random; with a seed it depends only on the seed and the pair, so the same pair always gets the
 * same score whatever order the pairs are tasted in.
 */
@Component
class Palate {

    static final int MIN = 1;
    static final int MAX = 10;

    private final Long seed;

    Palate(@Value("${taster.seed:}") Long seed) {
        this.seed = seed;
    }

    int score(String beer, String donut) {
        String b = beer.toLowerCase(Locale.ROOT);
        String d = donut.toLowerCase(Locale.ROOT);
        int score = 4 + sharedLetters(b, d) + mood(b, d);
        return Math.max(MIN, Math.min(MAX, score));
    }

    private static int sharedLetters(String a, String b) {
        return (int) a.chars().filter(Character::isLetter).distinct().filter(c -> b.indexOf(c) >= 0).count();
    }

    private int mood(String beer, String donut) {
        if (seed == null) {
            return ThreadLocalRandom.current().nextInt(-2, 3);
        }
        return new Random(seed * 31 + (beer + "|" + donut).hashCode()).nextInt(-2, 3);
    }
}

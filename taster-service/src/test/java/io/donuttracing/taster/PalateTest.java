package io.donuttracing.taster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class PalateTest {

    @Test
    void aSeededPalateDependsOnlyOnThePair() {
        Palate one = new Palate(7L);
        Palate other = new Palate(7L);

        int stout = one.score("stout", "bacon");
        one.score("ipa", "jelly");

        assertThat(other.score("stout", "bacon")).isEqualTo(stout);
    }

    @Test
    void sharedLettersRaiseTheScore() {
        // "lager" and "glazed" share a, e, g and l: 4 + 4, then a mood of at most 2 either way.
        assertThat(new Palate(1L).score("lager", "glazed")).isBetween(6, 10);
    }

    @RepeatedTest(20)
    void scoresStayWithinOneToTen() {
        assertThat(new Palate(null).score("stout", "chocolate")).isBetween(1, 10);
        assertThat(new Palate(null).score("x", "y")).isBetween(1, 10);
    }
}

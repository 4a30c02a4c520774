package io.donuttracing.matchmaker.beer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;

@DataJpaTest
class BeerRepositoryTest {

    @Autowired
    BeerRepository beers;

    @Test
    void seedsEveryBeerWithABrewerAndHops() {
        assertThat(beers.findAllByOrderById())
                .extracting(Beer::getName, Beer::getBrewer, Beer::getHops)
                .containsExactly(
                        tuple("ipa", "Lagunitas Brewing Company", 7),
                        tuple("lager", "Brooklyn Brewery", 5),
                        tuple("pilsner", "Pilsner Urquell", 4),
                        tuple("stout", "Guinness", 8));
    }

    @Test
    void findsABeerByNameIgnoringCase() {
        assertThat(beers.findByNameIgnoreCase("Stout")).map(Beer::getHops).hasValue(8);
        assertThat(beers.findByNameIgnoreCase("mead")).isEmpty();
    }
}

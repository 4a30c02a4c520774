package io.donuttracing.matchmaker.beer;

import static org.assertj.core.api.Assertions.assertThat;

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
                        org.assertj.core.groups.Tuple.tuple("ipa", "Lagunitas Brewing Company", 7),
                        org.assertj.core.groups.Tuple.tuple("lager", "Brooklyn Brewery", 5),
                        org.assertj.core.groups.Tuple.tuple("pilsner", "Pilsner Urquell", 4),
                        org.assertj.core.groups.Tuple.tuple("stout", "Guinness", 8));
    }

    @Test
    void findsABeerByNameIgnoringCase() {
        assertThat(beers.findByNameIgnoreCase("Stout")).map(Beer::getHops).hasValue(8);
        assertThat(beers.findByNameIgnoreCase("mead")).isEmpty();
    }
}

package io.donuttracing.matchmaker.beer;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
class BeerController {

    private final BeerRepository beers;

    BeerController(BeerRepository beers) {
        this.beers = beers;
    }

    @GetMapping("/beers")
    BeerList list() {
        return new BeerList(beers.findAllByOrderById().stream().map(b -> new Summary(b.getId(), b.getName())).toList());
    }

    @GetMapping("/beers/{name}")
    Details one(@PathVariable String name) {
        Beer beer = beers.findByNameIgnoreCase(name).orElseThrow(() -> new BeerNotFoundException(name));
        return new Details(beer.getId(), beer.getName(), beer.getBrewer(), beer.getHops());
    }

    record BeerList(List<Summary> beers) {
    }

    record Summary(long id, String name) {
    }

    record Details(long id, String name, String brewer, int hops) {
    }
}

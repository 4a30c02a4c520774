package io.donuttracing.matchmaker.donut;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
class DonutController {

    private final DonutRepository donuts;

    DonutController(DonutRepository donuts) {
        this.donuts = donuts;
    }

    @GetMapping("/donuts")
    DonutList list() {
        return new DonutList(donuts.findAllByOrderById().stream().map(d -> new Summary(d.getId(), d.getName())).toList());
    }

    @GetMapping("/donuts/{name}")
    Details one(@PathVariable String name) {
        Donut donut = donuts.findByNameIgnoreCase(name).orElseThrow(() -> new DonutNotFoundException(name));
        return new Details(donut.getId(), donut.getName(), donut.getSugar(), donut.getBakery());
    }

    record DonutList(List<Summary> donuts) {
    }

    record Summary(long id, String name) {
    }

    record Details(long id, String name, int sugar, String bakery) {
    }
}

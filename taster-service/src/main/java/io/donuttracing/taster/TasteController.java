package io.donuttracing.taster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class TasteController {

    private static final Logger log = LoggerFactory.getLogger(TasteController.class);

    private final Palate palate;
    private final long scoringTimeMs;

    TasteController(Palate palate, @Value("${taster.delay-ms}") long delayMs) {
        this.palate = palate;
        this.scoringTimeMs = delayMs;
    }

    @GetMapping("/ping")
    Status ping() {
        return new Status("ok");
    }

    @GetMapping("/taste")
    Score taste(@RequestParam String beer, @RequestParam String donut) throws InterruptedException {
        if (beer.isBlank() || donut.isBlank()) {
            throw new BadRequestException("both 'beer' and 'donut' must be non-blank");
        }
        // Tasting takes time: this is the slowness the workshop's traces will reveal.
        Thread.sleep(scoringTimeMs);
        int score = palate.score(beer, donut);
        log.info("tasted {} with {}: {}", beer, donut, score);
        return new Score(score);
    }

    record Score(int score) {
    }

    record Status(String status) {
    }
}

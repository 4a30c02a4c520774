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
        log.info("tasted {} with {}: {}", printable(beer), printable(donut), score);
        return new Score(score);
    }

    /** Line breaks to some log viewers, though not control characters. */
    private static final char LINE_SEPARATOR = 0x2028;
    private static final char PARAGRAPH_SEPARATOR = 0x2029;

    /**
     * A name as the log shows it, its control characters, backslashes and Unicode line separators escaped as in a
     * Java string (a line break as {@code \n}, a NUL as backslash, u0000): they come from the client, and a line
     * break would let it write log lines of its own (a forged {@code ERROR}), a NUL would make {@code grep} take
     * taster.log for a binary file.
     */
    static String printable(String name) {
        StringBuilder escaped = null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!Character.isISOControl(c) && c != '\\' && c != LINE_SEPARATOR && c != PARAGRAPH_SEPARATOR) {
                if (escaped != null) {
                    escaped.append(c);
                }
                continue;
            }
            if (escaped == null) {
                escaped = new StringBuilder(name.length() + 8).append(name, 0, i);
            }
            switch (c) {
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                case '\\' -> escaped.append("\\\\"); // or a name holding backslash-n would read as a line break
                default -> escaped.append(String.format("\\u%04x", (int) c));
            }
        }
        return escaped == null ? name : escaped.toString();
    }

    record Score(int score) {
    }

    record Status(String status) {
    }
}

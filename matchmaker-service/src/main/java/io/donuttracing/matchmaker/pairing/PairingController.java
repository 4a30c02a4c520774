package io.donuttracing.matchmaker.pairing;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.donuttracing.matchmaker.web.ApiException;

@RestController
class PairingController {

    private final PairingService pairing;

    PairingController(PairingService pairing) {
        this.pairing = pairing;
    }

    @GetMapping("/pair/beer")
    Match pair(@RequestParam(required = false) String name) {
        if (name == null || name.isBlank()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "bad request",
                    "query parameter 'name' is required, e.g. /pair/beer?name=ipa");
        }
        return new Match(pairing.bestMatch(name.strip()));
    }

    record Match(String match) {
    }
}

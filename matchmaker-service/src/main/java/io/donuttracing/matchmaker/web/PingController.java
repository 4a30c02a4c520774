package io.donuttracing.matchmaker.web;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The health check: answers as soon as the app serves requests, without touching H2, Redis or the taster. */
@RestController
class PingController {

    @GetMapping("/ping")
    Status ping() {
        return new Status("ok");
    }

    record Status(String status) {
    }
}

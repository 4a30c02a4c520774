package io.donuttracing.matchmaker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class MatchmakerApplication {

    public static void main(String[] args) {
        SpringApplication.run(MatchmakerApplication.class, args);
    }
}

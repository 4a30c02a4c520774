package io.donuttracing.taster;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class TasterApplication {

    public static void main(String[] args) {
        SpringApplication.run(TasterApplication.class, args);
    }
}

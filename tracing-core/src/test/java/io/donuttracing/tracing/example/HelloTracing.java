package io.donuttracing.tracing.example;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;

/** The README's example: trace a main method and ship it to the agent named by DD_TRACE_AGENT_URL. */
public class HelloTracing {
  public static void main(String[] args) throws Exception {
    try (Tracer tracer = Tracer.create(TracerConfig.fromEnvironment())) { // DD_SERVICE, DD_TRACE_AGENT_URL...
      try (Span main = tracer.trace("main")) {                              // the root span
        main.setTag("args", String.join(" ", args));
        try (Span query = tracer.trace("beer.query", "db")) {               // a child, service "db"
          query.setResource("SELECT * FROM beers WHERE name = 'ipa'");
          query.setType("sql");
        }
        int score = tracer.trace("taste", () -> args.length + 7);           // a child around a lambda
        main.setTag("score", score);
      }
    } // closing the tracer sends what is left to the agent
  }
}

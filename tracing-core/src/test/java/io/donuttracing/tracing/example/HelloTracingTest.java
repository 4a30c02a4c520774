package io.donuttracing.tracing.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.FakeAgent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's example really ships its trace to an agent. */
class HelloTracingTest {
  @Test
  void mainIsTracedAndShipped() throws Exception {
    try (FakeAgent agent = FakeAgent.start()) {
      System.setProperty("dd.service", "hello");
      System.setProperty("dd.trace.agent.url", agent.url());
      try {
        HelloTracing.main(new String[] {"ipa"});
      } finally {
        System.clearProperty("dd.service");
        System.clearProperty("dd.trace.agent.url");
      }
      List<Map<String, Object>> spans = agent.spans();
      assertThat(spans).extracting(s -> s.get("name")).containsExactlyInAnyOrder("main", "beer.query", "taste");
      assertThat(spans).filteredOn(s -> s.get("name").equals("beer.query"))
          .allSatisfy(s -> assertThat(s).containsEntry("service", "db").containsEntry("type", "sql"));
      assertThat(spans).filteredOn(s -> s.get("name").equals("main"))
          .allSatisfy(s -> assertThat(s).containsEntry("service", "hello").containsEntry("parent_id", 0L));
    }
  }
}

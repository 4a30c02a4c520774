package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.redis.LettuceTracing;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The JDBC and Redis integrations wired by hand, as workshop step 9 does, against H2 and a real Redis. */
class ExplicitWiringTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);

  @Test
  void tracingDataSourceGivesOneSpanPerStatementUnderTheActiveSpan() throws SQLException {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:explicit;DB_CLOSE_DELAY=-1");
    DataSource dataSource = new TracingDataSource(h2, tracer);
    assertThat(dataSource.unwrap(JdbcDataSource.class)).isSameAs(h2);

    try (Span request = tracer.trace("request")) {
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE beers (name VARCHAR(20), hops INT)");
        s.executeUpdate("INSERT INTO beers VALUES ('ipa', 7)");
        try (PreparedStatement p = c.prepareStatement("SELECT hops FROM beers WHERE name = ?")) {
          p.setString(1, "ipa");
          try (ResultSet rs = p.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
          }
          assertThat(p.getConnection()).isSameAs(c);
        }
        assertThatThrownBy(() -> s.executeQuery("SELECT nope FROM nowhere")).isInstanceOf(SQLException.class);
      }
    }
    Span select = writer.spans().stream().filter(s -> s.resource().startsWith("SELECT hops")).findFirst().orElseThrow();
    assertThat(select.name()).isEqualTo("h2.query");
    assertThat(select.service()).isEqualTo("db");
    assertThat(select.type()).isEqualTo("sql");
    assertThat(select.resource()).isEqualTo("SELECT hops FROM beers WHERE name = ?");
    assertThat(select.tag("db.type")).isEqualTo("h2");
    assertThat(select.parentId()).isEqualTo(writer.span("request").spanId());
    Span failed = writer.spans().stream().filter(s -> s.resource().contains("nowhere")).findFirst().orElseThrow();
    assertThat(failed.isError()).isTrue();
    assertThat(failed.tag("error.type")).contains("JdbcSQL");
    assertThat(writer.spans()).filteredOn(s -> s.name().equals("h2.query")).hasSize(4);
  }

  /** JDBC empties a statement's batch when it runs: a statement that runs a second batch shows that batch's SQL. */
  @Test
  void eachBatchOfAStatementShowsItsOwnSql() throws SQLException {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:batches;DB_CLOSE_DELAY=-1");
    DataSource dataSource = new TracingDataSource(h2, tracer);
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE donuts (name VARCHAR(20))");
      s.addBatch("INSERT INTO donuts VALUES ('jelly')");
      s.addBatch("INSERT INTO donuts VALUES ('glazed')");
      s.executeBatch();
      s.addBatch("DELETE FROM donuts WHERE name = 'jelly'");
      s.executeBatch();
      s.addBatch("INSERT INTO donuts VALUES ('bacon')");
      s.clearBatch();
      s.addBatch("UPDATE donuts SET name = 'bavarian'");
      s.executeBatch();
    }
    assertThat(writer.spans()).extracting(Span::resource).containsExactly("CREATE TABLE donuts (name VARCHAR(20))",
        "INSERT INTO donuts VALUES ('jelly')", "DELETE FROM donuts WHERE name = 'jelly'",
        "UPDATE donuts SET name = 'bavarian'");
  }

  @Test
  void lettuceTracingGivesOneRedisCommandSpanPerCommand() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      try (Span request = tracer.trace("request")) {
        connection.sync().set("optimal_sugar_level_for_hops_7", "4");
        assertThat(connection.sync().get("optimal_sugar_level_for_hops_7")).isEqualTo("4");
        connection.sync().auth("secret-password");
      } catch (RuntimeException expected) {
        // the test Redis has no password: AUTH fails, and that must show as an error span
      }
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(writer.spans()).hasSizeGreaterThanOrEqualTo(4));
    Span get = writer.spans().stream().filter(s -> "GET".equals(s.resource())).findFirst().orElseThrow();
    assertThat(get.name()).isEqualTo("redis.command");
    assertThat(get.service()).isEqualTo("redis");
    assertThat(get.type()).isEqualTo("redis");
    assertThat(get.tag("redis.raw_command")).isEqualTo("GET optimal_sugar_level_for_hops_7");
    URI redis = URI.create(TestRedis.url());
    assertThat(get.tag("out.host")).isEqualTo(redis.getHost());
    assertThat(get.metric("out.port").intValue()).isEqualTo(redis.getPort());
    assertThat(get.parentId()).isEqualTo(writer.span("request").spanId());
    Span auth = writer.spans().stream().filter(s -> "AUTH".equals(s.resource())).findFirst().orElseThrow();
    assertThat(auth.tag("redis.raw_command")).isEqualTo("AUTH ?");
    assertThat(auth.isError()).isTrue();
  }
}

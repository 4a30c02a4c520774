package io.donuttracing.tracing.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.servlet.TracingFilter;
import io.donuttracing.tracing.writer.TraceWriter;
import jakarta.servlet.FilterChain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * What tracing adds to one request on its own thread, the way the matchmaker's {@code GET /beers} is traced:
 * the servlet filter (extract, a root span, its tags, the {@code traceresponse} header, log correlation in
 * Logback's MDC) around a query of the four beers from H2 through a Hikari pool, the pool wrapped in
 * {@link TracingDataSource} (a child span, the JDBC proxies). {@code untraced} runs the same query from the
 * same mock request without the filter and the wrapper. The writer is a no-op: the sender thread's work is
 * not on the request's thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class RequestBenchmark {
  static final String QUERY = "SELECT name, brewer, hops FROM beer";

  HikariDataSource pool;
  Tracer tracer;
  DataSource traced;
  TracingFilter filter;

  @Setup(Level.Trial)
  public void setup() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1");
    config.setMaximumPoolSize(2);
    pool = new HikariDataSource(config);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE beer (id IDENTITY PRIMARY KEY, name VARCHAR(64), brewer VARCHAR(64), hops INT)");
      s.execute("INSERT INTO beer (name, brewer, hops) VALUES ('ipa', 'Lagunitas Brewing Company', 7), "
          + "('lager', 'Brooklyn Brewery', 5), ('pilsner', 'Pilsner Urquell', 4), ('stout', 'Guinness', 8)");
    }
    // logs injection on (the default): the MDC updates are part of what a request pays
    tracer = Tracer.create(TracerConfig.builder().service("matchmaker").build(), TraceWriter.noop());
    traced = new TracingDataSource(pool, tracer);
    filter = new TracingFilter(tracer);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tracer.close();
    pool.close();
  }

  @Benchmark
  public void untraced(Blackhole bh) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/beers");
    MockHttpServletResponse response = new MockHttpServletResponse();
    queryBeers(pool, bh).doFilter(request, response);
    bh.consume(response);
  }

  @Benchmark
  public void traced(Blackhole bh) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/beers");
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, queryBeers(traced, bh));
    bh.consume(response);
  }

  private static FilterChain queryBeers(DataSource dataSource, Blackhole bh) {
    return (req, res) -> {
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          bh.consume(rs.getString(1));
          bh.consume(rs.getString(2));
          bh.consume(rs.getInt(3));
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    };
  }
}

package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.http.TracingClientHttpRequestInterceptor;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.spring.TracingAutoConfiguration;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.web.client.RestTemplate;

/** Auto-configuration is opt-in, each part can be switched off, and {@code dd.trace.enabled=false} switches off all of them. */
class AutoConfigurationTest {
  static final FakeAgent AGENT = FakeAgent.start(); // the tracer's writer, when tracing is on, sends here

  final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TracingAutoConfiguration.class))
      .withUserConfiguration(UserBeans.class)
      .withPropertyValues("dd.trace.agent.url=" + AGENT.url());

  @AfterAll
  static void stopAgent() {
    AGENT.close();
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBeans {
    @Bean
    DataSource dataSource() {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:autoconfig");
      return h2;
    }

    @Bean
    RestTemplate restTemplate() {
      return new RestTemplate();
    }
  }

  @Test
  void onTheClassPathAloneItDoesNothing() {
    runner.run(context -> {
      assertThat(context).doesNotHaveBean(Tracer.class);
      assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
      assertThat(context).doesNotHaveBean(ClientResourcesBuilderCustomizer.class);
      assertThat(context.getBean(DataSource.class)).isInstanceOf(JdbcDataSource.class);
      assertThat(context.getBean(RestTemplate.class).getInterceptors()).isEmpty();
    });
  }

  @Test
  void theSwitchWiresEveryPart() {
    runner.withPropertyValues("dd.trace.spring.auto-configure=true", "dd.service=web").run(context -> {
      assertThat(context.getBean(Tracer.class).config().service()).isEqualTo("web");
      assertThat(context.getBean(FilterRegistrationBean.class).getFilter()).isNotNull();
      assertThat(context).hasSingleBean(ClientResourcesBuilderCustomizer.class);
      assertThat(context.getBean(DataSource.class)).isInstanceOf(TracingDataSource.class);
      assertThat(context.getBean(RestTemplate.class).getInterceptors())
          .hasExactlyElementsOfTypes(TracingClientHttpRequestInterceptor.class);
    });
  }

  /**
   * {@code DD_TRACE_ENABLED=false}, the services' switch for traced-vs-untraced runs: the tracer stays (the
   * application's own spans need it, and go nowhere), but no filter, wrapper, interceptor or Lettuce hook is
   * installed, as with the services' own {@code TracingConfig}.
   */
  @Test
  void tracingSwitchedOffLeavesEveryIntegrationOut() {
    runner.withPropertyValues("dd.trace.spring.auto-configure=true", "dd.trace.enabled=false").run(context -> {
      assertThat(context).hasSingleBean(Tracer.class);
      assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
      assertThat(context).doesNotHaveBean(ClientResourcesBuilderCustomizer.class);
      assertThat(context.getBean(DataSource.class)).isInstanceOf(JdbcDataSource.class);
      assertThat(context.getBean(RestTemplate.class).getInterceptors()).isEmpty();
    });
  }

  /** The tracer and the conditions on its parts read {@code dd.trace.enabled} alike: never a tracer without its filter. */
  @Test
  void theTracerIsOnExactlyWhenItsPartsAre() {
    for (String value : List.of("true", "TRUE", "false", "1", "0", "yes", "")) {
      runner.withPropertyValues("dd.trace.spring.auto-configure=true", "dd.trace.enabled=" + value).run(context -> {
        boolean partsOn = context.getBeansOfType(FilterRegistrationBean.class).size() == 1;
        assertThat(context.getBean(Tracer.class).config().enabled()).as("'%s'", value).isEqualTo(partsOn);
      });
    }
  }

  /** A pool, and around it the DataSource the application uses, each a bean: Spring's documented set-up for lazy connections. */
  @Configuration(proxyBeanMethods = false)
  static class DataSourceAroundAnother {
    static final RecordingWriter WRITER = new RecordingWriter();

    @Bean
    Tracer tracer() {
      return RecordingWriter.tracer(WRITER);
    }

    @Bean
    DataSource pool() {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:around");
      return h2;
    }

    @Bean
    @Primary
    DataSource lazy(DataSource pool) {
      return new LazyConnectionDataSourceProxy(pool);
    }
  }

  /** Both beans are wrapped, the outer one's connections hand out the inner one's statements: one span each, not two. */
  @Test
  void aDataSourceBeanAroundAnotherTracesEachStatementOnce() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TracingAutoConfiguration.class))
        .withUserConfiguration(DataSourceAroundAnother.class).withPropertyValues("dd.trace.spring.auto-configure=true")
        .run(context -> {
          try (Span request = context.getBean(Tracer.class).trace("request")) {
            assertThat(new JdbcTemplate(context.getBean(DataSource.class)).queryForObject("SELECT 7", Integer.class)).isEqualTo(7);
          }
          assertThat(DataSourceAroundAnother.WRITER.spans()).extracting(Span::name).containsExactly("request", "h2.query");
        });
  }

  @Test
  void eachPartCanBeSwitchedOff() {
    runner.withPropertyValues("dd.trace.spring.auto-configure=true", "dd.trace.spring.servlet.enabled=false",
        "dd.trace.spring.jdbc.enabled=false", "dd.trace.spring.http-client.enabled=false",
        "dd.trace.spring.redis.enabled=false").run(context -> {
          assertThat(context).hasSingleBean(Tracer.class);
          assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
          assertThat(context).doesNotHaveBean(ClientResourcesBuilderCustomizer.class);
          assertThat(context.getBean(DataSource.class)).isInstanceOf(JdbcDataSource.class);
          assertThat(context.getBean(RestTemplate.class).getInterceptors()).isEmpty();
        });
  }
}

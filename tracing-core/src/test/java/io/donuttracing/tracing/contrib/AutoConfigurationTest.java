package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.http.TracingClientHttpRequestInterceptor;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.spring.TracingAutoConfiguration;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestTemplate;

/** Auto-configuration is opt-in, and each part can be switched off. */
class AutoConfigurationTest {
  final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TracingAutoConfiguration.class))
      .withUserConfiguration(UserBeans.class)
      .withPropertyValues("dd.trace.enabled=false");

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

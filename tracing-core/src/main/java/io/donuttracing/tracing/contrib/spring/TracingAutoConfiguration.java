package io.donuttracing.tracing.contrib.spring;

import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.contrib.http.TracingClientHttpRequestInterceptor;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.redis.LettuceTracing;
import io.donuttracing.tracing.contrib.servlet.TracingFilter;
import jakarta.servlet.DispatcherType;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Implicit tracing: with {@code dd.trace.spring.auto-configure=true} (or {@code DD_TRACE_SPRING_AUTOCONFIGURE=true})
 * and no code, a Spring Boot application gets
 *
 * <ul>
 *   <li>a {@link Tracer} bean configured from the {@code dd.*} properties (which Spring also finds as
 *       {@code DD_*} environment variables), installed as {@link Tracer#global()};</li>
 *   <li>the {@link TracingFilter} on every request ({@code dd.trace.spring.servlet.enabled});</li>
 *   <li>the {@link TracingClientHttpRequestInterceptor} on every {@code RestClient.Builder},
 *       {@code RestClient} and {@code RestTemplate} bean ({@code dd.trace.spring.http-client.enabled});</li>
 *   <li>every {@code DataSource} bean wrapped in a {@link TracingDataSource}
 *       ({@code dd.trace.spring.jdbc.enabled}, service {@code dd.trace.spring.jdbc.service}, default {@code db});</li>
 *   <li>Lettuce's {@code ClientResources} traced by {@link LettuceTracing} ({@code dd.trace.spring.redis.enabled},
 *       service {@code dd.trace.spring.redis.service}, default {@code redis}).</li>
 * </ul>
 *
 * Each part is on by default once auto-configuration is, and off with its {@code ...enabled=false}; all of them
 * are off with {@code dd.trace.enabled=false} ({@code DD_TRACE_ENABLED=false}), as in the services' own wiring:
 * the {@code Tracer} bean remains, so that code which starts spans by hand still runs, its spans going nowhere.
 * Without the switch nothing happens: having tracing-core on the class path changes nothing, so that an
 * application can wire each part itself (see the README).
 */
@AutoConfiguration
@ConditionalOnProperty(name = TracingAutoConfiguration.SWITCH, havingValue = "true")
public class TracingAutoConfiguration {
  /** The one property that turns implicit tracing on. */
  public static final String SWITCH = "dd.trace.spring.auto-configure";
  /** {@code DD_TRACE_ENABLED}: false installs none of the parts (the {@code Tracer} bean remains). */
  static final String ENABLED = "dd.trace.enabled";

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Tracer ddTracer(Environment environment) {
    Tracer tracer = Tracer.create(TracerConfig.from(environment::getProperty));
    Tracer.setGlobal(tracer);
    return tracer;
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Filter")
  @ConditionalOnBooleanProperty(name = {ENABLED, "dd.trace.spring.servlet.enabled"}, matchIfMissing = true)
  static class ServletTracing {
    @Bean
    FilterRegistrationBean<TracingFilter> ddTracingFilter(Tracer tracer) {
      FilterRegistrationBean<TracingFilter> registration = new FilterRegistrationBean<>(new TracingFilter(tracer));
      registration.setName("ddTracingFilter");
      registration.addUrlPatterns("/*");
      // not REQUEST alone (Spring's default for a filter that is no OncePerRequestFilter): in the async and
      // error dispatches the filter makes the request's span active again
      registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
      registration.setOrder(Ordered.HIGHEST_PRECEDENCE); // first: the span should cover the other filters
      return registration;
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.web.client.RestClient")
  @ConditionalOnBooleanProperty(name = {ENABLED, "dd.trace.spring.http-client.enabled"}, matchIfMissing = true)
  static class HttpClientTracing {
    @Bean
    static BeanPostProcessor ddTracingHttpClientPostProcessor(ObjectProvider<Tracer> tracer) {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
          if (bean instanceof RestClient.Builder) {
            ((RestClient.Builder) bean).requestInterceptors(list -> {
              if (list.stream().noneMatch(TracingClientHttpRequestInterceptor.class::isInstance)) {
                list.add(0, new TracingClientHttpRequestInterceptor(tracer.getObject()));
              }
            });
          } else if (bean instanceof RestClient) {
            return ((RestClient) bean).mutate().requestInterceptors(list -> {
              if (list.stream().noneMatch(TracingClientHttpRequestInterceptor.class::isInstance)) {
                list.add(0, new TracingClientHttpRequestInterceptor(tracer.getObject()));
              }
            }).build();
          } else if (bean instanceof RestTemplate) {
            RestTemplate template = (RestTemplate) bean;
            if (template.getInterceptors().stream().noneMatch(TracingClientHttpRequestInterceptor.class::isInstance)) {
              template.getInterceptors().add(0, new TracingClientHttpRequestInterceptor(tracer.getObject()));
            }
          }
          return bean;
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "javax.sql.DataSource")
  @ConditionalOnBooleanProperty(name = {ENABLED, "dd.trace.spring.jdbc.enabled"}, matchIfMissing = true)
  static class JdbcTracing {
    @Bean
    static BeanPostProcessor ddTracingDataSourcePostProcessor(ObjectProvider<Tracer> tracer, Environment environment) {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
          if (bean instanceof DataSource && !(bean instanceof TracingDataSource)) {
            return new TracingDataSource((DataSource) bean, tracer.getObject(),
                environment.getProperty("dd.trace.spring.jdbc.service", "db"));
          }
          return bean;
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"io.lettuce.core.resource.ClientResources",
      "org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer"})
  @ConditionalOnBooleanProperty(name = {ENABLED, "dd.trace.spring.redis.enabled"}, matchIfMissing = true)
  static class RedisTracing {
    @Bean
    ClientResourcesBuilderCustomizer ddTracingLettuceCustomizer(Tracer tracer, Environment environment) {
      String service = environment.getProperty("dd.trace.spring.redis.service", "redis");
      return builder -> builder.tracing(new LettuceTracing(tracer, service));
    }
  }
}

package io.donuttracing.taster;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.contrib.servlet.TracingFilter;

/**
 * The taster's tracing, wired by hand: the {@link Tracer}, from the {@code dd.*} properties
 * ({@code dd.service=taster} in application.properties) or their {@code DD_*} environment variables
 * ({@code DD_AGENT_HOST}, {@code DD_TRACE_AGENT_PORT}, {@code DD_ENV}...), and the servlet filter, which
 * continues the matchmaker's trace from the request's headers. {@code dd.trace.enabled=false}
 * ({@code DD_TRACE_ENABLED=false}) leaves the filter out and sends nothing.
 */
@Configuration(proxyBeanMethods = false)
class TracingConfig {

    @Bean(destroyMethod = "close")
    Tracer tracer(Environment environment) {
        Tracer tracer = Tracer.create(TracerConfig.from(environment::getProperty));
        Tracer.setGlobal(tracer);
        return tracer;
    }

    /** First in the chain, so that its span covers everything the request does. */
    @Bean
    @ConditionalOnBooleanProperty(name = "dd.trace.enabled", matchIfMissing = true)
    FilterRegistrationBean<TracingFilter> tracingFilter(Tracer tracer) {
        FilterRegistrationBean<TracingFilter> filter = new FilterRegistrationBean<>(new TracingFilter(tracer));
        filter.addUrlPatterns("/*");
        filter.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return filter;
    }
}

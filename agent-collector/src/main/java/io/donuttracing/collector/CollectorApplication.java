package io.donuttracing.collector;

import io.donuttracing.collector.config.BadSettingException;
import io.donuttracing.collector.config.CollectorProperties;
import io.donuttracing.collector.export.Exporter;
import io.donuttracing.collector.export.ZipkinExporter;
import io.donuttracing.collector.processing.FilterTags;
import io.donuttracing.collector.processing.IgnoredResources;
import io.donuttracing.collector.processing.Normalizer;
import io.donuttracing.collector.processing.Obfuscator;
import io.donuttracing.collector.processing.Sampler;
import io.donuttracing.collector.processing.Stats;
import io.donuttracing.collector.store.TraceStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.servlet.autoconfigure.MultipartAutoConfiguration;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * The collector: a stand-in for the Datadog trace agent that keeps and shows the traces itself.
 * Run it with {@code java -jar agent-collector/target/agent-collector.jar}.
 *
 * <p>No multipart resolution: no route takes a form, and Spring would parse a {@code multipart/form-data} body
 * before choosing the route (one without a boundary failed every route with a 500). The intake answers such a
 * body 415, as any other media type it does not take; other routes ignore the body.
 */
@SpringBootApplication(exclude = MultipartAutoConfiguration.class)
@EnableConfigurationProperties(CollectorProperties.class)
public class CollectorApplication {

    public static void main(String[] args) {
        SpringApplication.run(CollectorApplication.class, args);
    }

    /**
     * A service name may hold a {@code /} ({@code team/orders}), which the URL of its page and API carries as
     * {@code %2F}: Tomcat refuses that by default; passed on undecoded, Spring decodes it into the
     * {@code {service}} variable.
     */
    @Bean
    TomcatConnectorCustomizer encodedSlashesInServiceNames() {
        return connector -> connector.setEncodedSolidusHandling("passthrough");
    }

    /**
     * A read that waits as long as the receiver timeout for a byte fails: a body that stops coming is ended as soon
     * as one that comes too slowly ({@code IntakeController}).
     */
    @Bean
    TomcatConnectorCustomizer readTimeoutIsTheReceiverTimeout(CollectorProperties props) {
        return connector -> connector.setProperty("connectionTimeout",
                Long.toString(props.getReceiverTimeout().toMillis()));
    }

    /** 127.0.0.1 unless {@code DD_APM_NON_LOCAL_TRAFFIC=true}; an explicit {@code server.address} wins. */
    @Bean
    WebServerFactoryCustomizer<ConfigurableWebServerFactory> bindAddress(CollectorProperties props, Environment env) {
        return factory -> {
            if (env.getProperty("server.address") != null) {
                return;
            }
            try {
                factory.setAddress(InetAddress.getByName(props.isNonLocalTraffic() ? "0.0.0.0" : "127.0.0.1"));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Bean
    TraceStore traceStore(CollectorProperties props) {
        if (props.getSpanBudget() < 1) {
            throw new BadSettingException("COLLECTOR_SPAN_BUDGET", "must be at least 1, not " + props.getSpanBudget(), null);
        }
        return new TraceStore(props.getSpanBudget(), memoryBudget(props.getMemoryBudget(), "COLLECTOR_MEMORY_BUDGET"));
    }

    @Bean
    Stats stats(CollectorProperties props) {
        return new Stats(props.getStatsRetention().toNanos(), quarterOfTheHeap());
    }

    @Bean
    Sampler sampler(CollectorProperties props) {
        return new Sampler(props.getTargetTps(), props.getErrorTps(), System::nanoTime);
    }

    @Bean(destroyMethod = "close")
    Exporter exporter(CollectorProperties props) {
        CollectorProperties.Export e = props.getExport();
        if (e.getZipkinUrl() == null || e.getZipkinUrl().isBlank()) {
            return Exporter.NONE;
        }
        return new ZipkinExporter(e.getZipkinUrl(), e.getQueueSpans(), e.getBatchSpans(), e.getTimeout());
    }

    @Bean
    IgnoredResources ignoredResources(CollectorProperties props) {
        return IgnoredResources.parse(props.getIgnoreResources());
    }

    @Bean
    FilterTags filterTags(CollectorProperties props) {
        return FilterTags.parse(props.getFilterTags().getRequire(), props.getFilterTags().getReject(),
                props.getFilterTagsRegex().getRequire(), props.getFilterTagsRegex().getReject());
    }

    @Bean
    Pipeline pipeline(CollectorProperties props, IgnoredResources ignored, FilterTags filterTags, TraceStore store,
                      Stats stats, Sampler sampler, Exporter exporter) {
        return new Pipeline(new Normalizer(), ignored, filterTags,
                new Obfuscator(props.getObfuscation().isSql(), props.getObfuscation().isRedis()),
                stats, sampler, store, exporter);
    }

    /**
     * A memory budget as set ({@code variable} names it in the report when it is below one byte), or by default a
     * quarter of the largest heap: the store's and the decoders' (read by the intake); the stats' is that quarter
     * too, though ordinary stats take a small part of it.
     */
    public static long memoryBudget(DataSize set, String variable) {
        if (set == null) {
            return quarterOfTheHeap();
        }
        if (set.toBytes() < 1) {
            throw new BadSettingException(variable, "must be at least 1B, not " + set, null);
        }
        return set.toBytes();
    }

    private static long quarterOfTheHeap() {
        return Runtime.getRuntime().maxMemory() / 4;
    }
}

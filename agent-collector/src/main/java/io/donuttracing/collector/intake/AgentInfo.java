package io.donuttracing.collector.intake;

import io.donuttracing.collector.config.CollectorProperties;
import io.donuttracing.collector.processing.FilterTags;
import io.donuttracing.collector.processing.IgnoredResources;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The {@code GET /info} document (datadog-agent {@code pkg/trace/api/info.go}) and its hash, sent as
 * {@code Datadog-Agent-State} on every other response so that tracers re-read {@code /info} when it
 * changes.
 *
 * <p>With {@code /v0.6/stats} listed and {@code client_drop_p0s: true}, a tracer may drop priority-0
 * traces itself and send stats for their spans to {@code /v0.6/stats} instead; the collector merges those
 * stats with its own, and counts the dropped traces (reported in headers) toward the sampling rates.
 */
@Component
public class AgentInfo implements ApplicationListener<WebServerInitializedEvent> {
    /** The agent version we answer as. */
    public static final String VERSION = "7.65.0";
    public static final List<String> ENDPOINTS = List.of("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats",
            "/info");

    private final CollectorProperties props;
    private final IgnoredResources ignored;
    private final FilterTags filterTags;
    private volatile int port;
    private volatile byte[] body;
    private volatile String state;

    public AgentInfo(CollectorProperties props, IgnoredResources ignored, FilterTags filterTags,
                     org.springframework.core.env.Environment env) {
        this.props = props;
        this.ignored = ignored;
        this.filterTags = filterTags;
        this.port = env.getProperty("server.port", Integer.class, 8126);
        build();
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        this.port = event.getWebServer().getPort();
        build();
    }

    private void build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JsonFactory.builder().build().createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("version", VERSION);
            g.writeStringProperty("git_commit", "donut-tracing-agent-collector");
            g.writeName("endpoints");
            g.writeStartArray();
            for (String e : ENDPOINTS) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeBooleanProperty("client_drop_p0s", true);
            g.writeBooleanProperty("span_meta_structs", false);
            g.writeBooleanProperty("long_running_spans", false);
            g.writeName("config");
            g.writeStartObject();
            g.writeStringProperty("default_env", "");
            g.writeNumberProperty("target_tps", props.getTargetTps());
            g.writeNumberProperty("max_eps", 200.0);
            g.writeNumberProperty("receiver_port", port);
            g.writeStringProperty("receiver_socket", "");
            g.writeNumberProperty("connection_limit", 0);
            // the timeout in force (the agent writes its setting, 0 when unset)
            g.writeNumberProperty("receiver_timeout", props.getReceiverTimeout().toSeconds());
            g.writeNumberProperty("max_request_bytes", props.getMaxRequestBytes());
            g.writeNumberProperty("statsd_port", 0);
            g.writeNumberProperty("max_memory", 0.0);
            g.writeNumberProperty("max_cpu", 0.0);
            g.writeName("analyzed_spans_by_service");
            g.writeStartObject();
            g.writeEndObject();
            g.writeName("obfuscation");
            g.writeStartObject();
            g.writeBooleanProperty("elastic_search", false);
            g.writeBooleanProperty("mongo", false);
            g.writeBooleanProperty("sql_exec_plan", false);
            g.writeBooleanProperty("sql_exec_plan_normalize", false);
            g.writeBooleanProperty("remove_stack_traces", false);
            g.writeBooleanProperty("redis", props.getObfuscation().isRedis());
            g.writeBooleanProperty("memcached", false);
            g.writeBooleanProperty("sql", props.getObfuscation().isSql());
            g.writeEndObject();
            g.writeEndObject();
            // the agent always writes both objects, each list only when it has rules
            writeRules(g, "filter_tags", filterTags.require(), filterTags.reject());
            writeRules(g, "filter_tags_regex", filterTags.requireRegex(), filterTags.rejectRegex());
            writeList(g, "ignore_resources", ignored.expressions()); // the agent leaves it out when empty
            g.writeEndObject();
        }
        byte[] b = out.toByteArray();
        try {
            state = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        body = b;
    }

    private static void writeRules(JsonGenerator g, String name, List<String> require, List<String> reject) {
        g.writeName(name);
        g.writeStartObject();
        writeList(g, "require", require);
        writeList(g, "reject", reject);
        g.writeEndObject();
    }

    private static void writeList(JsonGenerator g, String name, List<String> strings) {
        if (!strings.isEmpty()) {
            g.writeName(name);
            g.writeStartArray();
            for (String s : strings) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
    }

    public byte[] body() {
        return body;
    }

    /** Hex SHA-256 of the {@code /info} body. */
    public String state() {
        return state;
    }
}

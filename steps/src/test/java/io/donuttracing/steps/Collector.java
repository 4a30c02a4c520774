package io.donuttracing.steps;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads what the agent-collector holds, through its query API, as a learner's browser does. */
final class Collector {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int port;

    Collector(int port) {
        this.port = port;
    }

    /** A trace by decimal id, 32-hex id or whole {@code traceresponse} value; empty while the collector has none. */
    Optional<Trace> trace(String id) {
        HttpResponse<String> response = Repo.get(port, "/api/traces/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        JsonNode body = json(response);
        List<Span> spans = new ArrayList<>();
        for (JsonNode s : body.get("spans")) {
            Map<String, String> meta = new LinkedHashMap<>();
            s.get("meta").properties().forEach(e -> meta.put(e.getKey(), e.getValue().asString()));
            spans.add(new Span(s.get("trace_id").asString(), s.get("span_id").asString(), s.get("parent_id").asString(),
                    s.get("service").asString(), s.get("name").asString(), s.get("resource").asString(),
                    s.get("start").asLong(), s.get("duration").asLong(), s.get("error").asInt(),
                    s.get("top_level").asBoolean(), meta));
        }
        return Optional.of(new Trace(body.get("trace_id").asString(), spans));
    }

    /** The ids of the stored traces (of every service) whose first span started at or after {@code epochNanos}. */
    Set<String> traceIdsStartedSince(long epochNanos) {
        JsonNode body = json(Repo.get(port, "/api/traces?limit=1000"));
        Set<String> ids = new java.util.HashSet<>();
        for (JsonNode t : body.get("traces")) {
            if (t.get("start").asLong() >= epochNanos) {
                ids.add(t.get("trace_id").asString());
            }
        }
        return ids;
    }

    String text(String id) {
        return Repo.get(port, "/api/traces/" + id + "?format=text").body();
    }

    private static JsonNode json(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the collector answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    record Trace(String id, List<Span> spans) {

        Optional<Span> root() {
            return spans.stream().filter(s -> s.parentId().equals("0")).findFirst();
        }

        List<Span> named(String name) {
            return spans.stream().filter(s -> s.name().equals(name)).toList();
        }

        List<Span> named(String name, String service) {
            return spans.stream().filter(s -> s.name().equals(name) && s.service().equals(service)).toList();
        }

        Set<String> services() {
            return spans.stream().map(Span::service).collect(Collectors.toSet());
        }

        Optional<Span> parentOf(Span span) {
            return spans.stream().filter(s -> s.spanId().equals(span.parentId())).findFirst();
        }

        List<Span> childrenOf(Span span) {
            return spans.stream().filter(s -> s.parentId().equals(span.spanId())).toList();
        }
    }

    /** One span as the collector stores it; times in ns since the epoch. */
    record Span(String traceId, String spanId, String parentId, String service, String name, String resource,
            long start, long duration, int error, boolean topLevel, Map<String, String> meta) {

        long end() {
            return start + duration;
        }

        @Override
        public String toString() {
            return service + " " + name + " " + resource + " (" + spanId + ", parent " + parentId + ")";
        }
    }
}

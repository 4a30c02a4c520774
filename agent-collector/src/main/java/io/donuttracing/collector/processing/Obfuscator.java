package io.donuttracing.collector.processing;

import io.donuttracing.collector.intake.Strings;
import io.donuttracing.collector.model.Span;

/**
 * Hides values before anything is stored or shown, as the agent does for SQL and Redis spans.
 * <ul>
 *   <li>{@code type} {@code sql} (or {@code cassandra}): the resource becomes the obfuscated query, and so
 *       does the {@code sql.query} tag;</li>
 *   <li>{@code type} {@code redis}: the resource becomes the command names, and {@code redis.raw_command}
 *       keeps its keys but hides its values.</li>
 * </ul>
 * Each is switched by configuration ({@code collector.obfuscation.sql}, {@code collector.obfuscation.redis}); as in
 * the agent, the Redis switch ({@code DD_APM_OBFUSCATION_REDIS_ENABLED}) leaves the resource to the command names.
 * Client stats get the same resources ({@link #resource}), as the agent's {@code obfuscateStatsGroup} does.
 */
public final class Obfuscator {
    private final boolean sql;
    private final boolean redis;
    private final SqlObfuscator sqlObfuscator = new SqlObfuscator();
    private final RedisObfuscator redisObfuscator = new RedisObfuscator();

    /** Queries repeat (prepared statements): obfuscate each distinct text once. Bounded; cleared when full. */
    private final java.util.concurrent.ConcurrentHashMap<String, String> sqlCache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int SQL_CACHE_SIZE = 10_000;

    public Obfuscator(boolean sql, boolean redis) {
        this.sql = sql;
        this.redis = redis;
    }

    public void obfuscate(Span s) {
        s.resource = resource(s.type, s.resource);
        if (isSql(s.type)) {
            s.putMeta("sql.query", s.resource);
        } else if (hidesRedisValues(s.type)) {
            String raw = s.meta("redis.raw_command");
            if (raw != null) {
                s.putMeta("redis.raw_command", redisObfuscator.obfuscate(raw));
            }
        }
    }

    /**
     * The resource of a span (or of a group of client stats) of this type, as it is stored and shown: the
     * obfuscated query for SQL, the command names for Redis, otherwise unchanged.
     */
    public String resource(String type, String resource) {
        if (isSql(type)) {
            String q = sqlCache.get(resource);
            if (q == null) {
                q = Strings.share(sqlObfuscator.obfuscate(resource));
                if (sqlCache.size() >= SQL_CACHE_SIZE) {
                    sqlCache.clear();
                }
                sqlCache.put(resource, q);
            }
            return q.isEmpty() ? "?" : q;
        }
        if (type.equals("redis")) { // whatever the switch, as the agent does: it only switches the raw command's
            String r = redisObfuscator.quantize(resource);
            return r.isEmpty() ? resource : Strings.share(r);
        }
        return resource;
    }

    private boolean isSql(String type) {
        return sql && (type.equals("sql") || type.equals("cassandra"));
    }

    /** Whether this span's {@code redis.raw_command} gets its values hidden (the resource is quantized anyway). */
    private boolean hidesRedisValues(String type) {
        return redis && type.equals("redis");
    }
}

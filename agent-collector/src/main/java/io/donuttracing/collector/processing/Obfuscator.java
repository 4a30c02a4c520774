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
 * Each is switched by configuration ({@code collector.obfuscation.sql}, {@code collector.obfuscation.redis}).
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
        String type = s.type;
        if (sql && (type.equals("sql") || type.equals("cassandra"))) {
            String query = s.resource;
            String q = sqlCache.get(query);
            if (q == null) {
                q = Strings.share(sqlObfuscator.obfuscate(query));
                if (sqlCache.size() >= SQL_CACHE_SIZE) {
                    sqlCache.clear();
                }
                sqlCache.put(query, q);
            }
            s.resource = q.isEmpty() ? "?" : q;
            s.putMeta("sql.query", s.resource);
        } else if (redis && type.equals("redis")) {
            String r = redisObfuscator.quantize(s.resource);
            if (!r.isEmpty()) {
                s.resource = Strings.share(r);
            }
            String raw = s.meta("redis.raw_command");
            if (raw != null) {
                s.putMeta("redis.raw_command", redisObfuscator.obfuscate(raw));
            }
        }
    }
}

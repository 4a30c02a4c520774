package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.model.Span;
import org.junit.jupiter.api.Test;

/** SQL and Redis obfuscation with the reference file's examples, and the switches. */
class ObfuscatorTest {
    private final SqlObfuscator sql = new SqlObfuscator();
    private final RedisObfuscator redis = new RedisObfuscator();

    @Test
    void sqlReferenceExample() {
        assertThat(sql.obfuscate("SELECT username AS person FROM users WHERE id=4"))
                .isEqualTo("SELECT username FROM users WHERE id = ?");
    }

    @Test
    void sqlLiteralsCommentsAndLists() {
        assertThat(sql.obfuscate("SELECT * FROM beer WHERE name = 'ipa' AND hops > 7.5"))
                .isEqualTo("SELECT * FROM beer WHERE name = ? AND hops > ?");
        assertThat(sql.obfuscate("select a,b from t where x in (1, 2, 3) and y is NULL and z = true"))
                .isEqualTo("select a, b from t where x in ( ? ) and y is ? and z = ?");
        assertThat(sql.obfuscate("SELECT /* hint */ name FROM donut -- trailing\nWHERE id = $1 AND s = :sugar"))
                .isEqualTo("SELECT name FROM donut WHERE id = ? AND s = ?");
        assertThat(sql.obfuscate("INSERT INTO t (a, b) VALUES ('it''s', -12)"))
                .isEqualTo("INSERT INTO t ( a, b ) VALUES ( ? )");
        assertThat(sql.obfuscate("select * from t where a = ? and b = 0x1F and c = 1e-3"))
                .isEqualTo("select * from t where a = ? and b = ? and c = ?");
        assertThat(sql.obfuscate("SELECT   \"Name\"\n  FROM   t"))
                .isEqualTo("SELECT \"Name\" FROM t");
    }

    @Test
    void redisReferenceExamples() {
        assertThat(redis.quantize("get my_key")).isEqualTo("GET");
        assertThat(redis.obfuscate("SET key value")).isEqualTo("SET key ?");
        assertThat(redis.obfuscate("AUTH u p")).isEqualTo("AUTH ?");
        assertThat(redis.obfuscate("HMSET k f v f v")).isEqualTo("HMSET k f ? f ?");
    }

    @Test
    void redisMore() {
        assertThat(redis.quantize("CLIENT list")).isEqualTo("CLIENT LIST");
        assertThat(redis.obfuscate("GET optimal_sugar_level_for_hops_7")).isEqualTo("GET optimal_sugar_level_for_hops_7");
        assertThat(redis.obfuscate("LPUSH donuts_by_sugar_level_5 jelly glazed")).isEqualTo("LPUSH donuts_by_sugar_level_5 ?");
        assertThat(redis.obfuscate("MSET a 1 b 2")).isEqualTo("MSET a ? b ?");
        assertThat(redis.obfuscate("SET k \"a quoted value\"")).isEqualTo("SET k ?");
        assertThat(redis.obfuscate("SETEX k 10 secret")).isEqualTo("SETEX k 10 ?");
    }

    /**
     * The resource of a Redis span, as datadog-agent's {@code QuantizeRedisString} makes it (its redis_test.go's
     * cases): three commands at most, then {@code ...}; a word a tracer cut ({@code GET k...}, {@code DE...}) is
     * not a command, and says the text was cut.
     */
    @Test
    void redisResourcesAsTheAgentQuantizesThem() {
        assertThat(redis.quantize("CLIENT")).isEqualTo("CLIENT");
        assertThat(redis.quantize("CONFIG SET parameter value")).isEqualTo("CONFIG SET");
        assertThat(redis.quantize("\n\n  \nSET foo bar  \n  \n\n  ")).isEqualTo("SET");
        assertThat(redis.quantize("SET toto tata \n \n  EXPIRE toto 15  ")).isEqualTo("SET EXPIRE");
        assertThat(redis.quantize("MULTI\nSET k1 v1\nSET k2 v2\nSET k3 v3\nSET k4 v4\nDEL to_del\nEXEC"))
                .isEqualTo("MULTI SET SET ...");
        assertThat(redis.quantize("GET a\nSET b c\nDEL d")).isEqualTo("GET SET DEL ...");
        assertThat(redis.quantize("GET...")).isEqualTo("...");
        assertThat(redis.quantize("GET k...")).isEqualTo("GET");
        assertThat(redis.quantize("GET k1\nGET k2\nG...")).isEqualTo("GET GET ...");
        assertThat(redis.quantize("GET k1\nGET k2\nDEL k3\nGET k...")).isEqualTo("GET GET DEL ...");
        assertThat(redis.quantize("GET k...\nDEL k2\nMS...")).isEqualTo("GET DEL ...");
        assertThat(redis.quantize("GET k...\nDE...\nMS...")).isEqualTo("GET ...");
        assertThat(redis.quantize("GET k1\nDE...\nGET k2")).isEqualTo("GET GET");
        assertThat(redis.quantize("GET k1\nDE...\nGET k2\nHDEL k3 a\nGET k4\nDEL k5")).isEqualTo("GET GET HDEL ...");
        assertThat(redis.quantize("CLIENT ...")).isEqualTo("...");
        assertThat(redis.quantize("UNKNOWN 123")).isEqualTo("UNKNOWN");
    }

    /**
     * Commands that carry credentials, as datadog-agent {@code pkg/obfuscate/redis.go} hides them since
     * PR 46391 ({@code HELLO}, {@code MIGRATE}: every argument, as {@code AUTH}) and PR 46548 ({@code ACL}:
     * the subcommand stays, every argument after it becomes one {@code ?}).
     */
    @Test
    void redisCredentialsAsTheAgentHidesThem() {
        assertThat(redis.obfuscate("AUTH my-secret-password")).isEqualTo("AUTH ?");
        assertThat(redis.obfuscate("AUTH")).isEqualTo("AUTH");
        assertThat(redis.obfuscate("MIGRATE host 6379 \"\" 0 5000 AUTH2 user pass KEYS k1 k2")).isEqualTo("MIGRATE ?");
        assertThat(redis.obfuscate("HELLO 3 AUTH user pass SETNAME c")).isEqualTo("HELLO ?");
        assertThat(redis.obfuscate("ACL SETUSER alice on >password ~* &* +@all")).isEqualTo("ACL SETUSER ?");
        assertThat(redis.obfuscate("acl setuser bob on >s3cret")).isEqualTo("acl setuser ?");
        assertThat(redis.obfuscate("ACL GETUSER alice")).isEqualTo("ACL GETUSER ?");
        assertThat(redis.obfuscate("ACL DELUSER alice bob charlie")).isEqualTo("ACL DELUSER ?");
        assertThat(redis.obfuscate("ACL LIST")).isEqualTo("ACL LIST");
        assertThat(redis.obfuscate("ACL WHOAMI")).isEqualTo("ACL WHOAMI");
        assertThat(redis.obfuscate("ACL")).isEqualTo("ACL");
        assertThat(redis.obfuscate("GET k\nACL SETUSER alice >pw")).isEqualTo("GET k\nACL SETUSER ?");
    }

    /** BITFIELD's SET subcommand writes a value: hidden, as datadog-agent's redis.go (and its redis_test.go) does. */
    @Test
    void redisBitfieldSetValueAsTheAgentHidesIt() {
        assertThat(redis.obfuscate("BITFIELD key GET type offset SET type offset value INCRBY type"))
                .isEqualTo("BITFIELD key GET type offset SET type offset ? INCRBY type");
        assertThat(redis.obfuscate("BITFIELD key SET type offset value INCRBY type"))
                .isEqualTo("BITFIELD key SET type offset ? INCRBY type");
        assertThat(redis.obfuscate("bitfield k set i8 0 secret")).isEqualTo("bitfield k set i8 0 ?");
        assertThat(redis.obfuscate("BITFIELD key GET type offset INCRBY type"))
                .isEqualTo("BITFIELD key GET type offset INCRBY type");
        assertThat(redis.obfuscate("BITFIELD key SET type offset")).isEqualTo("BITFIELD key SET type offset");
    }

    @Test
    void spansAreObfuscatedByTypeAndEachCanBeSwitchedOff() {
        Span q = new Span();
        q.type = "sql";
        q.resource = "SELECT username AS person FROM users WHERE id=4";
        new Obfuscator(true, true).obfuscate(q);
        assertThat(q.resource).isEqualTo("SELECT username FROM users WHERE id = ?");
        assertThat(q.meta("sql.query")).isEqualTo("SELECT username FROM users WHERE id = ?");

        Span r = new Span();
        r.type = "redis";
        r.resource = "set my_key";
        r.meta = new String[] {"redis.raw_command", "SET my_key secret"};
        new Obfuscator(true, true).obfuscate(r);
        assertThat(r.resource).isEqualTo("SET");
        assertThat(r.meta("redis.raw_command")).isEqualTo("SET my_key ?");

        Span off = new Span();
        off.type = "sql";
        off.resource = "SELECT 1";
        new Obfuscator(false, true).obfuscate(off);
        assertThat(off.resource).isEqualTo("SELECT 1");
        Span roff = new Span();
        roff.type = "redis";
        roff.resource = "get k";
        roff.meta = new String[] {"redis.raw_command", "SET k v"};
        new Obfuscator(true, false).obfuscate(roff);
        // as in the agent, whose DD_APM_OBFUSCATION_REDIS_ENABLED only switches the raw command's obfuscation: "if
        // a span is redis/valkey type, it should be quantized regardless of obfuscation setting" (obfuscate.go)
        assertThat(roff.resource).isEqualTo("GET");
        assertThat(roff.meta("redis.raw_command")).isEqualTo("SET k v");
        assertThat(new Obfuscator(true, false).resource("redis", "set k secret")).as("client stats too").isEqualTo("SET");
    }
}

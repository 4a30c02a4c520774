package io.donuttracing.collector.processing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Redis commands as datadog-agent {@code pkg/obfuscate/redis.go} treats them.
 *
 * <p>{@link #quantize} makes a resource of the upper-cased command names ({@code get my_key} becomes
 * {@code GET}; a pipeline of several lines becomes {@code GET SET}, of three or more {@code GET SET DEL ...}).
 * {@link #obfuscate} keeps keys but hides values in a raw command: {@code SET key value} becomes {@code SET key ?}, {@code AUTH u p}
 * becomes {@code AUTH ?}, {@code HMSET k f v f v} becomes {@code HMSET k f ? f ?}, {@code ACL SETUSER alice
 * on >pw} becomes {@code ACL SETUSER ?}.
 */
public final class RedisObfuscator {
    private static final int MAX_COMMANDS = 3;
    /** What tracers end a command they cut with. */
    private static final String TRUNCATION_MARK = "...";

    /**
     * The command names of a query, upper-cased, as the agent's {@code QuantizeRedisString}: three at most, then
     * {@code ...} (also after exactly three). A tracer cuts a long command and ends it with {@code ...}: a word so
     * cut names no command, is left out, and the resource ends with {@code ...} unless a whole command follows.
     */
    public String quantize(String query) {
        StringBuilder resource = new StringBuilder();
        int commands = 0;
        boolean truncated = false;
        for (String line : query.split("\n")) {
            if (commands == MAX_COMMANDS) {
                break;
            }
            List<String> words = split(line);
            if (words.isEmpty()) {
                continue;
            }
            if (words.get(0).endsWith(TRUNCATION_MARK)) {
                truncated = true;
                continue;
            }
            String cmd = words.get(0).toUpperCase(Locale.ROOT);
            switch (cmd) {
                case "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DEBUG", "SCRIPT" -> {
                    if (words.size() > 1) {
                        if (words.get(1).endsWith(TRUNCATION_MARK)) {
                            truncated = true;
                            continue;
                        }
                        cmd = cmd + " " + words.get(1).toUpperCase(Locale.ROOT);
                    }
                }
                default -> {
                }
            }
            resource.append(resource.length() > 0 ? " " : "").append(cmd);
            commands++;
            truncated = false;
        }
        if (commands == MAX_COMMANDS || truncated) {
            resource.append(resource.length() > 0 ? " ..." : "...");
        }
        return resource.toString();
    }

    public String obfuscate(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (String line : raw.split("\n")) {
            List<String> words = split(line);
            if (words.isEmpty()) {
                continue;
            }
            if (out.length() > 0) {
                out.append('\n');
            }
            String cmd = words.get(0);
            List<String> args = obfuscateArgs(cmd.toUpperCase(Locale.ROOT), new ArrayList<>(words.subList(1, words.size())));
            out.append(cmd);
            for (String a : args) {
                out.append(' ').append(a);
            }
        }
        return out.toString();
    }

    private static List<String> obfuscateArgs(String cmd, List<String> args) {
        switch (cmd) {
            // Credentials: AUTH [user] password; MIGRATE ... [AUTH password] [AUTH2 user password];
            // HELLO [protover [AUTH user password]]. Every argument hides behind one "?".
            case "AUTH", "MIGRATE", "HELLO" -> {
                if (!args.isEmpty()) {
                    return List.of("?");
                }
            }
            // ACL SETUSER user on >password ..., ACL GETUSER user, ACL DELUSER user ...: the subcommand
            // stays, everything after it becomes one "?" (ACL LIST and ACL WHOAMI have nothing to hide).
            case "ACL" -> {
                if (args.size() > 1) {
                    return List.of(args.get(0), "?");
                }
            }
            case "APPEND", "GETSET", "LPUSHX", "GEORADIUSBYMEMBER", "RPUSHX", "SET", "SETNX", "SISMEMBER", "ZRANK",
                    "ZREVRANK", "ZSCORE" -> argN(args, 1);
            case "HSETNX", "LREM", "LSET", "SETBIT", "SETEX", "PSETEX", "SETRANGE", "ZINCRBY", "SMOVE", "RESTORE" ->
                    argN(args, 2);
            case "LINSERT" -> argN(args, 3);
            case "GEOHASH", "GEOPOS", "GEODIST", "LPUSH", "RPUSH", "SREM", "ZREM", "SADD" -> {
                if (args.size() > 1) {
                    return List.of(args.get(0), "?");
                }
            }
            case "GEOADD" -> step(args, 1, 3);
            case "HSET", "HMSET" -> step(args, 1, 2);
            case "MSET", "MSETNX" -> step(args, 0, 2);
            case "CONFIG" -> {
                if (!args.isEmpty() && args.get(0).equalsIgnoreCase("SET")) {
                    argN(args, 2);
                }
            }
            case "BITFIELD" -> {
                // BITFIELD key [GET type offset] [SET type offset value] ...: the value of the first SET's write
                for (int i = 1, set = 0; i < args.size(); i++) {
                    if (args.get(i).equalsIgnoreCase("SET")) {
                        set = i;
                    }
                    if (set > 0 && i - set == 3) {
                        args.set(i, "?");
                        break;
                    }
                }
            }
            case "ZADD" -> {
                // ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]: hide the members
                int i = 1;
                while (i < args.size() && isZaddOption(args.get(i))) {
                    i++;
                }
                for (i = i + 1; i < args.size(); i += 2) {
                    args.set(i, "?");
                }
            }
            default -> {
            }
        }
        return args;
    }

    private static boolean isZaddOption(String s) {
        return switch (s.toUpperCase(Locale.ROOT)) {
            case "NX", "XX", "GT", "LT", "CH", "INCR" -> true;
            default -> false;
        };
    }

    private static void argN(List<String> args, int n) {
        if (args.size() > n) {
            args.set(n, "?");
        }
    }

    private static void step(List<String> args, int start, int step) {
        for (int i = start + step - 1; i < args.size(); i += step) {
            args.set(i, "?");
        }
    }

    /** Splits a command line on spaces, keeping quoted arguments whole. */
    private static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == '\\' && i + 1 < line.length()) {
                    cur.append(line.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                if (c == '"' || c == '\'') {
                    quote = c;
                }
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }
}

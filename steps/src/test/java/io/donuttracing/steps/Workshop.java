package io.donuttracing.steps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./workshop} run as a learner runs it, but on free ports and in its own run directory, so that a
 * check never meets a workshop somebody left running.
 */
final class Workshop {

    final Path runDir;
    final int collectorPort = Repo.freePort();
    final int redisPort = Repo.freePort();
    final int tasterPort = Repo.freePort();
    final int matchmakerPort = Repo.freePort();
    private final Map<String, String> extraEnv = new HashMap<>();

    Workshop(String prefix) {
        try {
            Files.createDirectories(Repo.ROOT.resolve("steps/target"));
            runDir = Files.createTempDirectory(Repo.ROOT.resolve("steps/target"), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An environment variable for every later command, e.g. {@code TASTER_SEED}; null: none of that name. */
    Workshop env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    ProcessBuilder builder(String... args) {
        var command = new ArrayList<>(List.of(Repo.ROOT.resolve("workshop").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.ROOT.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("DD_"));
        env.remove("REDIS_URL");
        env.remove("TASTER_URL");
        env.put("WORKSHOP_RUN_DIR", runDir.toString());
        env.put("DD_APM_RECEIVER_PORT", Integer.toString(collectorPort));
        env.put("REDIS_PORT", Integer.toString(redisPort));
        env.put("TASTER_PORT", Integer.toString(tasterPort));
        env.put("MATCHMAKER_PORT", Integer.toString(matchmakerPort));
        extraEnv.forEach((name, value) -> {
            if (value == null) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return builder;
    }

    Steps.Result run(String... args) {
        return Steps.finish(builder(args), 3);
    }

    /** The pid {@code ./workshop} recorded for a service ({@code collector}, {@code redis}, ...). */
    long pid(String service) {
        try {
            return Long.parseLong(Files.readString(runDir.resolve(service + ".pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String log(String service) {
        try {
            return Files.readString(runDir.resolve(service + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs {@code ./workshop} as a learner does, on free ports and in its own run directory. */
class WorkshopScriptIT {

    private static final List<String> SERVICES = List.of("redis", "taster", "matchmaker");

    Path runDir;
    int redisPort = Repo.freePort();
    int tasterPort = Repo.freePort();
    int matchmakerPort = Repo.freePort();

    @BeforeEach
    void runDir() throws IOException {
        Files.createDirectories(Repo.ROOT.resolve("steps/target"));
        runDir = Files.createTempDirectory(Repo.ROOT.resolve("steps/target"), "workshop-it-");
    }

    @AfterEach
    void down() {
        workshop("down");
    }

    @Test
    void upDetachStartsEverythingAndDownLeavesNothingRunning() throws IOException {
        assertThat(Repo.jar("taster-service")).exists();
        assertThat(Repo.jar("matchmaker-service")).exists();

        Result up = workshop("up", "--detach");

        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(up.output())
                .doesNotContain("building")
                .contains("started an embedded redis-server on port " + redisPort)
                .contains("taster      http://127.0.0.1:" + tasterPort)
                .contains("matchmaker  http://127.0.0.1:" + matchmakerPort)
                .contains("curl -s 'http://127.0.0.1:" + matchmakerPort + "/pair/beer?name=ipa'");
        assertThat(Repo.get(matchmakerPort, "/pair/beer?name=ipa").body())
                .matches("\\{\"match\":\"(chocolate|bavarian|jelly|glazed)\"}");
        assertThat(workshop("status").output())
                .containsPattern("redis +running +pid \\d+ +redis://127.0.0.1:" + redisPort)
                .containsPattern("taster +running +pid \\d+ +http://127.0.0.1:" + tasterPort)
                .containsPattern("matchmaker +running +pid \\d+ +http://127.0.0.1:" + matchmakerPort);
        List<Long> pids = SERVICES.stream().map(this::pid).toList();

        Result down = workshop("down");

        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(workshop("status").output())
                .containsPattern("redis +stopped").containsPattern("taster +stopped").containsPattern("matchmaker +stopped");
    }

    @Test
    void upInTheForegroundStreamsPrefixedLogsAndStopsEverythingWhenInterrupted() throws Exception {
        Path output = runDir.resolve("up.out");
        Process up = builder("up").redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> !up.isAlive() || streamed(Files.readString(output)));
        assertThat(up.isAlive()).as(Files.readString(output)).isTrue();
        List<Long> pids = SERVICES.stream().map(this::pid).toList();

        up.destroy();

        assertThat(up.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(Files.readString(output)).contains("stopped matchmaker").contains("stopped taster").contains("stopped redis");
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    private static boolean streamed(String output) {
        return output.contains("Ctrl-C stops everything")
                && Pattern.compile("(?m)^taster +\\| .*Started TasterApplication").matcher(output).find()
                && Pattern.compile("(?m)^matchmaker +\\| .*Started MatchmakerApplication").matcher(output).find();
    }

    @Test
    void aTakenPortIsNamedWithTheVariableThatMovesIt() throws IOException {
        try (ServerSocket squatter = new ServerSocket(matchmakerPort, 1, InetAddress.getLoopbackAddress())) {
            Result up = workshop("up", "--detach");

            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.output()).contains("port " + matchmakerPort + " is already in use, so matchmaker cannot start")
                    .contains("MATCHMAKER_PORT=<port> ./workshop up");
        }
        assertThat(List.of(redisPort, tasterPort)).noneMatch(Repo::listening);
    }

    private long pid(String service) {
        try {
            return Long.parseLong(Files.readString(runDir.resolve(service + ".pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProcessBuilder builder(String... args) {
        var command = new ArrayList<>(List.of(Repo.ROOT.resolve("workshop").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.ROOT.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.remove("REDIS_URL");
        env.remove("TASTER_URL");
        env.put("WORKSHOP_RUN_DIR", runDir.toString());
        env.put("REDIS_PORT", Integer.toString(redisPort));
        env.put("TASTER_PORT", Integer.toString(tasterPort));
        env.put("MATCHMAKER_PORT", Integer.toString(matchmakerPort));
        return builder;
    }

    private Result workshop(String... args) {
        try {
            Process process = builder(args).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("./workshop %s finished", String.join(" ", args)).isTrue();
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Result(int exitCode, String output) {
    }
}

package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import redis.embedded.RedisServer;

/** Runs {@code ./workshop} as a learner does, on free ports and in its own run directory. */
class WorkshopScriptIT {

    private static final List<String> SERVICES = List.of("collector", "redis", "taster", "matchmaker");

    Workshop workshop;
    /** How the messages call the script again: with this test's run directory. */
    String self;
    int collectorPort;
    int redisPort;
    int tasterPort;
    int matchmakerPort;

    @BeforeEach
    void runDir() {
        workshop = new Workshop("workshop-it-");
        // quoted as the script quotes it (printf %q): a clone in a folder with a space gets WORKSHOP_RUN_DIR=/a\ b/...
        self = "WORKSHOP_RUN_DIR=" + Steps.run(Repo.ROOT, "bash", "-c", "printf %q \"$0\"", workshop.runDir.toString()).output()
                + " ./workshop";
        collectorPort = workshop.collectorPort;
        redisPort = workshop.redisPort;
        tasterPort = workshop.tasterPort;
        matchmakerPort = workshop.matchmakerPort;
    }

    @AfterEach
    void down() {
        workshop("down");
    }

    @Test
    void upDetachStartsEverythingAndDownLeavesNothingRunning() throws IOException {
        assertThat(Repo.jar("agent-collector")).exists();
        assertThat(Repo.jar("taster-service")).exists();
        assertThat(Repo.jar("matchmaker-service")).exists();
        // sums recorded before Maven built the jar again (./mvnw verify): written anew, for the jar as it is now
        Path matchmakerSum = Repo.jar("matchmaker-service").resolveSibling("matchmaker-service.jar.sum");
        Files.writeString(matchmakerSum, "1 2\n3 4\n");
        Files.setLastModifiedTime(matchmakerSum, FileTime.fromMillis(0));

        Steps.Result up = workshop("up", "--detach");

        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(Files.readString(matchmakerSum)).isNotEqualTo("1 2\n3 4\n");
        assertThat(up.output())
                .doesNotContain("building")
                .containsSubsequence(
                        "collector   http://127.0.0.1:" + collectorPort,
                        "started an embedded redis-server on port " + redisPort,
                        "taster      http://127.0.0.1:" + tasterPort,
                        "matchmaker  http://127.0.0.1:" + matchmakerPort,
                        "curl -s 'http://127.0.0.1:" + matchmakerPort + "/pair/beer?name=ipa'",
                        "http://localhost:" + collectorPort + "/",
                        "Stop it with: " + self + " down"); // this run directory, not logs/
        Collector collector = new Collector(collectorPort);
        await().atMost(Duration.ofSeconds(20)).until(() -> urls(collector).contains("http://127.0.0.1:" + tasterPort + "/ping"));
        assertThat(urls(collector)).as("the health checks' Host names the port, for their spans' http.url")
                .doesNotContain("http://127.0.0.1/ping");
        assertThat(Repo.get(matchmakerPort, "/pair/beer?name=ipa").body())
                .matches("\\{\"match\":\"(chocolate|bavarian|jelly|glazed)\"}");
        assertThat(workshop("status").output())
                .containsPattern("collector +running +pid \\d+ +http://127.0.0.1:" + collectorPort)
                .containsPattern("redis +running +pid \\d+ +redis://127.0.0.1:" + redisPort)
                .containsPattern("taster +running +pid \\d+ +http://127.0.0.1:" + tasterPort)
                .containsPattern("matchmaker +running +pid \\d+ +http://127.0.0.1:" + matchmakerPort);
        List<Long> before = SERVICES.stream().map(workshop::pid).toList();
        // each service runs from a copy of its jar, which a build (./mvnw verify while the workshop is up) leaves alone
        assertThat(ProcessHandle.of(workshop.pid("matchmaker")).flatMap(p -> p.info().commandLine()).orElseThrow())
                .contains("-jar " + workshop.runDir.resolve("matchmaker.jar"));
        assertThat(workshop("up", "--detach").output()).contains("already running: collector redis taster matchmaker");
        // sources newer than the running matchmaker's jar but the same (a step switched to and back): still its code,
        // by the checksums recorded beside the jar; and the jar is touched, so that the next look is quick
        Path copy = workshop.runDir.resolve("matchmaker.jar");
        Path sum = workshop.runDir.resolve("matchmaker.jar.sum");
        assertThat(sum).exists();
        Files.setLastModifiedTime(copy, FileTime.fromMillis(0));
        assertThat(workshop("up", "--detach").output()).contains("already running: collector redis taster matchmaker");
        assertThat(Files.getLastModifiedTime(copy).toMillis()).isPositive();
        // code changed under the running matchmaker (edited, or a step switched to): up says so, not only "running"
        Files.writeString(sum, "1 2\n3 4\n"); // other sources than those recorded
        Files.setLastModifiedTime(copy, FileTime.fromMillis(0));
        Steps.Result old = workshop("up", "--detach");
        assertThat(old.exitCode()).isEqualTo(1);
        assertThat(old.output()).contains("matchmaker runs code older than its sources: " + self + " down, then " + self
                + " up (which rebuilds it)");
        Files.setLastModifiedTime(copy, FileTime.fromMillis(System.currentTimeMillis()));

        // a learner stops the taster to see a failure, then brings it back: only the taster starts again
        ProcessHandle taster = ProcessHandle.of(workshop.pid("taster")).orElseThrow();
        taster.destroy();
        await().atMost(Duration.ofMinutes(1)).until(() -> !taster.isAlive());
        // nor beside a running part on old code: the taster started now would meet code other than its own
        Files.setLastModifiedTime(copy, FileTime.fromMillis(0));
        assertThat(workshop("up", "--detach").output()).contains("matchmaker runs code older than its sources");
        assertThat(Repo.listening(tasterPort)).isFalse();
        Files.setLastModifiedTime(copy, FileTime.fromMillis(System.currentTimeMillis()));
        // from a shell whose variables name other ports: the parts still running are found where they run
        workshop.env("DD_APM_RECEIVER_PORT", Integer.toString(Repo.freePort()))
                .env("REDIS_PORT", Integer.toString(Repo.freePort()));
        Steps.Result again = workshop("up", "--detach");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).containsSubsequence("collector   already running (pid " + workshop.pid("collector") + ")",
                "redis       already running", "taster      http://127.0.0.1:" + tasterPort, "matchmaker  already running");
        HttpResponse<String> pairing = Repo.get(matchmakerPort, "/pair/beer?name=ipa");
        assertThat(pairing.statusCode()).isEqualTo(200);
        String trace = pairing.headers().firstValue("traceresponse").orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> collector.trace(trace)
                .map(t -> t.services().contains("taster")).orElse(false)); // the new taster sends to the running collector
        // sources newer than a running service's jar in target/, though not than the copy it runs: the jar is
        // rebuilt from the sources the service runs, the stopped taster starts, the matchmaker keeps running
        Path jar = Repo.jar("matchmaker-service");
        ProcessHandle newTaster = ProcessHandle.of(workshop.pid("taster")).orElseThrow();
        newTaster.destroy();
        await().atMost(Duration.ofMinutes(1)).until(() -> !newTaster.isAlive());
        Files.setLastModifiedTime(jar, FileTime.fromMillis(0));
        Files.writeString(jar.resolveSibling(jar.getFileName() + ".sum"), "1 2\n3 4\n");
        Steps.Result rebuilt = workshop("up", "--detach");
        assertThat(rebuilt.exitCode()).as(rebuilt.output()).isZero();
        assertThat(rebuilt.output()).contains("building matchmaker-service").contains("matchmaker  already running");
        assertThat(Files.getLastModifiedTime(jar).toMillis()).isPositive();
        assertThat(Files.readString(jar.resolveSibling(jar.getFileName() + ".sum"))).isNotEqualTo("1 2\n3 4\n");

        List<Long> pids = SERVICES.stream().map(workshop::pid).toList();
        assertThat(pids.get(2)).isNotEqualTo(before.get(2));
        assertThat(List.of(pids.get(0), pids.get(1), pids.get(3))).containsExactly(before.get(0), before.get(1), before.get(3));

        Steps.Result down = workshop("down");

        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(workshop("status").output()).containsPattern("collector +stopped")
                .containsPattern("redis +stopped").containsPattern("taster +stopped").containsPattern("matchmaker +stopped");
    }

    @Test
    void upInTheForegroundStreamsPrefixedLogsAndStopsEverythingWhenInterrupted() throws Exception {
        Path output = workshop.runDir.resolve("up.out");
        Process up = upInTheForeground(output);
        List<Long> pids = SERVICES.stream().map(workshop::pid).toList();

        up.destroy();

        assertThat(up.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(Files.readString(output)).contains("stopped matchmaker").contains("stopped taster")
                .contains("stopped redis").contains("stopped collector");
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    @Test
    void aSecondUpWhileTheFirstStartsIsRefusedAndSoIsDown() throws Exception {
        // typed again in another terminal while the first up built or started: before, both built in the same target/
        // folders ("Unable to find main class") or both launched the services, leaving a second set running unseen
        Path lock = workshop.runDir.resolve("up.lock");
        Files.createSymbolicLink(lock, Path.of("999999 Thu Jan  1 00:00:00 1970")); // left by an up killed with kill -9
        assertThat(workshop("status").output()).doesNotContain("is starting");
        Path output = workshop.runDir.resolve("up.out");
        Process first = workshop.builder("up", "--detach").redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> !first.isAlive() || Files.readSymbolicLink(lock).toString().startsWith(first.pid() + " "));
        assertThat(first.isAlive()).as(Files.readString(output)).isTrue();
        Steps.Result second;
        Steps.Result down;
        Steps.Result step;
        Steps.Result status;
        try {
            second = workshop("up", "--detach");
            down = workshop("down");
            step = workshop("step", "3");
            status = workshop("status");
        } finally {
            first.waitFor(3, TimeUnit.MINUTES); // else the down after the test, refused, would leave it all running
        }

        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.output()).isEqualTo("workshop: another " + self + " up is starting the workshop (pid " + first.pid()
                + "): wait for it, or stop it with Ctrl-C in its terminal; then " + self + " status\n");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.output()).contains(self + " up is still starting the workshop (pid " + first.pid() + ")")
                .contains("then " + self + " down").doesNotContain("stopped");
        assertThat(step.exitCode()).isEqualTo(1);
        assertThat(step.output()).contains("then " + self + " step 3");
        assertThat(status.output()).contains("(" + self + " up is starting the workshop: pid " + first.pid() + ")");
        assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(output)).isZero();
        assertThat(lock).doesNotExist();
        assertThat(Files.isSymbolicLink(lock)).isFalse();
        Steps.Result again = workshop("up", "--detach");
        assertThat(again.output()).contains("already running: collector redis taster matchmaker");
        assertThat(Files.isSymbolicLink(lock)).isFalse();
    }

    @Test
    void upInterruptedWhileTheServicesStartStopsWhatItStarted() throws Exception {
        // Ctrl-C while the services start: before, the JVMs went on running unseen (and Redis, which SIGINT ends, did not)
        Path output = workshop.runDir.resolve("up.out");
        Process up = workshop.builder("up", "--detach").redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> !up.isAlive() || Files.readString(output).contains("redis       started"));
        assertThat(up.isAlive()).as(Files.readString(output)).isTrue();
        List<Long> pids = List.of(workshop.pid("collector"), workshop.pid("redis"));

        up.destroy();

        assertThat(up.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(up.exitValue()).isEqualTo(130);
        assertThat(Files.readString(output)).contains("interrupted: stopping what this up started")
                .contains("stopped collector").doesNotContain("The workshop is up");
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(workshop("status").output()).containsPattern("taster +stopped").containsPattern("matchmaker +stopped");
    }

    @Test
    void aRedisOfTheLearnersStaysTheWorkshopsAndAServiceThatStopsIsNamed() throws Exception {
        int elsewhere = Repo.freePort(); // nothing answers there: pairings get 503, as the README says
        workshop.env("REDIS_URL", "redis://learner:s3cret@127.0.0.1:" + elsewhere);
        Path output = workshop.runDir.resolve("up.out");
        Process up = upInTheForeground(output);
        // the password is not shown, as a screen the room sees would show it
        assertThat(Files.readString(output)).contains("redis       using REDIS_URL=redis://learner:***@127.0.0.1:" + elsewhere)
                .doesNotContain("s3cret");
        assertThat(workshop("status").output()).doesNotContain("s3cret")
                .containsPattern("redis +in use +redis://learner:\\*\\*\\*@127.0.0.1:" + elsewhere + " \\(not started by ");

        // from another shell, without REDIS_URL: before, an embedded Redis started that the matchmaker never used
        workshop.env("REDIS_URL", null);
        Steps.Result again = workshop("up", "--detach");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.output()).contains("already running: collector taster matchmaker");
        assertThat(Repo.listening(redisPort)).isFalse();

        ProcessHandle taster = ProcessHandle.of(workshop.pid("taster")).orElseThrow();
        taster.destroy();

        assertThat(up.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(up.exitValue()).isEqualTo(1);
        assertThat(Files.readString(output)).contains("taster stopped (its log: " + workshop.runDir.resolve("taster.log")
                + "); stopping the workshop").contains("stopped matchmaker").contains("stopped collector");
        assertThat(workshop("status").output()).containsPattern("redis +stopped");
    }

    /** The {@code http.url} of every span the collector holds. */
    private static List<String> urls(Collector collector) {
        return collector.traceIdsStartedSince(0).stream().flatMap(id -> collector.trace(id).stream())
                .flatMap(t -> t.spans().stream()).map(span -> span.meta().get("http.url")).filter(u -> u != null).toList();
    }

    /** {@code ./workshop up} in the foreground, once every service's log streams into {@code output}. */
    private Process upInTheForeground(Path output) throws IOException {
        Process up = workshop.builder("up").redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> !up.isAlive() || streamed(Files.readString(output)));
        assertThat(up.isAlive()).as(Files.readString(output)).isTrue();
        return up;
    }

    private static boolean streamed(String output) {
        return output.contains("Ctrl-C stops everything")
                && Pattern.compile("(?m)^collector +\\| .*Started CollectorApplication").matcher(output).find()
                && Pattern.compile("(?m)^taster +\\| .*Started TasterApplication").matcher(output).find()
                && Pattern.compile("(?m)^matchmaker +\\| .*Started MatchmakerApplication").matcher(output).find();
    }

    @Test
    void aMistypedArgumentIsRefusedBeforeAnythingStarts() {
        Steps.Result up = workshop("up", "--detatch");
        assertThat(up.exitCode()).isEqualTo(1);
        assertThat(up.output()).contains("unknown option --detatch (usage: ./workshop up [--detach])");
        for (String calls : List.of("abc", "0", "-5", "2x")) { // before, 0 and -5 printed a median of calls never made
            Steps.Result bench = workshop("bench", calls);
            assertThat(bench.exitCode()).isEqualTo(1);
            assertThat(bench.output()).contains("bench takes a number of calls from 1 to 999999, not '" + calls + "'");
        }
        // before, the collector, Redis and the taster started, then the matchmaker failed on Spring's binding error
        for (String port : List.of("abc", "0", "65536", "-1")) {
            Steps.Result notAPort = workshop.env("MATCHMAKER_PORT", port).run("up", "--detach");
            assertThat(notAPort.exitCode()).isEqualTo(1);
            assertThat(notAPort.output()).contains("MATCHMAKER_PORT=" + port + " is not a port: a number from 1 to 65535");
        }
        workshop.env("MATCHMAKER_PORT", Integer.toString(matchmakerPort)).env("REDIS_PORT", "6379x");
        assertThat(workshop("up", "--detach").output()).contains("REDIS_PORT=6379x is not a port");
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    @Test
    void aJavaOlderThan17IsNamedBeforeAnythingBuildsOrStarts() throws IOException {
        // a laptop whose default Java is 11: before, the build or the collector failed on "class file version 61.0"
        Path bin = Files.createDirectories(workshop.runDir.resolve("old-java"));
        Path java = bin.resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                echo 'Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF-8' >&2
                echo 'openjdk version "11.0.22" 2024-01-16' >&2
                [ "$1" = -version ] || exit 1
                """);
        assertThat(java.toFile().setExecutable(true)).isTrue();
        workshop.env("PATH", bin + ":" + System.getenv("PATH")).env("JAVA_HOME", null);

        Steps.Result up = workshop("up", "--detach");

        assertThat(up.exitCode()).isEqualTo(1);
        assertThat(up.output()).contains(java + " is Java 11 (openjdk version \"11.0.22\" 2024-01-16); the workshop needs"
                + " Java 17 or later: put a JDK 17 or later first on your PATH").doesNotContain("building");
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    @Test
    void aPathOutsideAsciiInAnAsciiLocaleIsNamedBeforeJavaFailsOnIt() {
        // a clone in ~/Café with LANG unset (some WSL and container setups): before, Maven stopped on a stack trace
        // ending "Malformed input or input contains unmappable characters", or a service on "Caf??". The folder is made
        // and removed by bash, as this JVM may itself run in an ASCII locale.
        for (String command : List.of("up --detach", "check")) {
            ProcessBuilder builder = workshop.builder();
            builder.command().clear();
            builder.command().addAll(List.of("bash", "-c", "export WORKSHOP_RUN_DIR=\"$0/\"$'Caf\\xc3\\xa9'"
                    + " && mkdir \"$WORKSHOP_RUN_DIR\" && { ./workshop " + command + "; status=$?; }"
                    + " ; rm -rf \"$WORKSHOP_RUN_DIR\"; exit $status", workshop.runDir.toString()));
            builder.environment().keySet().removeIf(name -> name.equals("LANG") || name.startsWith("LC_"));
            builder.environment().put("LC_ALL", "C");

            Steps.Result result = Steps.finish(builder, 3);

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.output()).contains("the path " + workshop.runDir + "/Caf\u00e9"
                    + " has a character outside ASCII, and your locale's character set is ASCII (locale charmap: ")
                    .contains("LC_ALL=C): Java cannot open files there. export LC_ALL=C.UTF-8").doesNotContain("building every");
        }
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    @Test
    void benchTracingOnMacosSaysItIsForLinuxOnly() throws IOException {
        // before, it stopped on bash 3.2's "declare: -A: invalid option" (or on nproc, which macOS has not)
        Path bin = Files.createDirectories(workshop.runDir.resolve("macos"));
        Path uname = bin.resolve("uname");
        Files.writeString(uname, "#!/bin/sh\necho Darwin\n");
        assertThat(uname.toFile().setExecutable(true)).isTrue();
        workshop.env("PATH", bin + ":" + System.getenv("PATH"));

        Steps.Result bench = workshop("bench-tracing");

        assertThat(bench.exitCode()).isEqualTo(1);
        assertThat(bench.output()).isEqualTo("workshop: bench-tracing runs on Linux only: it reads /proc (README, Performance);"
                + " ./workshop bench runs here\n");
    }

    @Test
    void aTakenPortIsNamedWithTheVariableThatMovesIt() throws IOException {
        try (ServerSocket squatter = new ServerSocket(matchmakerPort, 1, InetAddress.getLoopbackAddress())) {
            Steps.Result up = workshop("up", "--detach");

            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.output()).contains("port " + matchmakerPort + " is already in use, so matchmaker cannot start")
                    .contains("MATCHMAKER_PORT=<port> " + self + " up");
        }
        try (ServerSocket squatter = new ServerSocket(collectorPort, 1, InetAddress.getLoopbackAddress())) {
            Steps.Result up = workshop("up", "--detach");

            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.output()).contains("port " + collectorPort + " is already in use, so collector cannot start")
                    .contains("DD_APM_RECEIVER_PORT=<port> " + self + " up");
        }
        assertThat(List.of(redisPort, tasterPort)).noneMatch(Repo::listening);
        // Redis's port, held by something that is not Redis: refused before anything starts, the collector included
        try (ServerSocket squatter = new ServerSocket(redisPort, 1, InetAddress.getLoopbackAddress())) {
            Steps.Result up = workshop("up", "--detach");

            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.output()).contains("port " + redisPort + " is in use by something that is not Redis")
                    .doesNotContain("collector   http");
            assertThat(List.of(collectorPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        }
        // a Redis of the learner's that wants a password: before, up used it and every pairing answered 503 NOAUTH
        RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                .setting("requirepass secret").setting("save \"\"").setting("appendonly no").build();
        redis.start();
        try {
            Steps.Result up = workshop("up", "--detach");

            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.output()).contains("port " + redisPort + " has a Redis that asks for a password")
                    .contains("REDIS_URL=redis://:<password>@127.0.0.1:" + redisPort).doesNotContain("collector   http");
            assertThat(List.of(collectorPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
            assertThat(redis.isActive()).isTrue();
        } finally {
            redis.stop();
        }
    }

    /** The check a learner runs before the day: a line per check, a taken port named with its variable. */
    @Test
    void checkSaysWhetherThisMachineIsReadyAndStartsNothing() throws IOException {
        // every JVM, Maven's too, then says "Picked up JAVA_TOOL_OPTIONS" on stderr (as JDK 24 and later warn about
        // sun.misc.Unsafe): before, that line and the path of the redis-server Maven had just extracted were taken
        // together as its path, and the embedded redis-server was a problem
        workshop.env("JAVA_TOOL_OPTIONS", "-Dfile.encoding=UTF-8");
        try (ServerSocket squatter = new ServerSocket(matchmakerPort, 1, InetAddress.getLoopbackAddress())) {
            Steps.Result check = workshop("check");

            assertThat(check.exitCode()).as(check.output()).isEqualTo(1);
            assertThat(check.output()).containsPattern("(?m)^java +ok: .*version \"(1[7-9]|[2-9][0-9])")
                    .containsPattern("(?m)^curl +ok: ")
                    .containsPattern("(?m)^collector +ok: port " + collectorPort + " is free$")
                    .containsPattern("(?m)^redis +ok: port " + redisPort + " is free$")
                    .containsPattern("(?m)^taster +ok: port " + tasterPort + " is free$")
                    .containsPattern("(?m)^matchmaker +PROBLEM: port " + matchmakerPort
                            + " is in use by something else: free it, or move matchmaker with MATCHMAKER_PORT=<port>")
                    .containsPattern("(?m)^redis +ok: the embedded redis-server runs here \\(Redis server v=")
                    .containsPattern("(?m)^build +ok: everything builds with Maven offline")
                    .endsWith("Not ready: 1 problem above.\n");
        }
        Steps.Result check = workshop("check");

        assertThat(check.exitCode()).as(check.output()).isEqualTo(0);
        assertThat(check.output()).doesNotContain("PROBLEM").endsWith("Ready for the workshop.\n");
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(workshop("status").output()).doesNotContain("running");
    }

    @Test
    void theRunDirectoryDeletedWhileTheWorkshopRunsStillLetsDownStopIt() {
        Steps.Result up = workshop("up", "--detach");
        assertThat(up.exitCode()).as(up.output()).isZero();
        List<Long> pids = SERVICES.stream().map(workshop::pid).toList();

        Steps.deleteRecursively(workshop.runDir); // rm -rf logs: before, status said stopped, down that it was down, and
                                                  // up failed on the ports the services still held

        assertThat(workshop("status").output()).containsPattern("(?m)^matchmaker +running +pid " + pids.get(3)
                + " +\\(its pid file in " + Pattern.quote(workshop.runDir.toString()) + " is gone: " + Pattern.quote(self)
                + " down stops it\\)$").containsPattern("redis +running +pid " + pids.get(1));
        Steps.Result again = workshop("up", "--detach");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.output()).contains("collector still runs (pid " + pids.get(0) + "), though its pid file in "
                + workshop.runDir + " is gone (deleted while the workshop ran?): " + self + " down stops it, then " + self + " up");
        Steps.Result down = workshop("down");
        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(down.output()).contains("stopped matchmaker (pid " + pids.get(3) + ", whose pid file was gone)")
                .contains("stopped redis (pid " + pids.get(1) + ", whose pid file was gone)");
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(workshop("status").output()).doesNotContain("running");
    }

    @Test
    void aRelativeRunDirectoryDoesNotTakeAnotherClonesServicesForItsOwn() throws Exception {
        // WORKSHOP_RUN_DIR=logs2 ./workshop up in two clones: before, each took the other's services (java -jar
        // logs2/collector.jar, found with ps) for its own whose pid file was gone: status showed them, up refused to
        // start, and down killed them
        String relative = Repo.ROOT.relativize(workshop.runDir).toString();
        Path otherClone = Files.createDirectories(workshop.runDir.resolve("other-clone"));
        Process others = new ProcessBuilder("bash", "-c", "sleep 600; :", "java", "-jar", relative + "/collector.jar")
                .directory(otherClone.toFile()).start();
        try {
            ProcessBuilder status = workshop.builder("status");
            status.environment().put("WORKSHOP_RUN_DIR", relative);
            assertThat(Steps.finish(status, 1).output()).containsPattern("collector +stopped");
            ProcessBuilder down = workshop.builder("down");
            down.environment().put("WORKSHOP_RUN_DIR", relative);
            assertThat(Steps.finish(down, 1).output()).doesNotContain("stopped collector");
            assertThat(others.isAlive()).as("down did not kill another clone's collector").isTrue();
        } finally {
            others.descendants().forEach(ProcessHandle::destroyForcibly);
            others.destroyForcibly();
        }
    }

    @Test
    void aPidFileThatNamesSomebodyElsesProcessIsNeitherTrustedNorKilled() throws Exception {
        // what a crash followed by pid reuse, or a reboot on macOS (no boot id there), leaves behind
        Process stranger = new ProcessBuilder("sleep", "600").start();
        try {
            Files.writeString(workshop.runDir.resolve("matchmaker.pid"), Long.toString(stranger.pid()));
            Files.writeString(workshop.runDir.resolve("matchmaker.started"), "Thu Jan  1 00:00:00 1970\n");

            assertThat(workshop("status").output()).containsPattern("matchmaker +stopped");
            workshop("down");
            assertThat(stranger.isAlive()).as("down did not kill a process it did not start").isTrue();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void anEditThatDoesNotCompileIsNamedAndNothingStarts() throws IOException {
        // in a copy of this working tree, whose other jars are those built here: only the matchmaker is built there
        Path clone = workshop.runDir.resolve("clone");
        Steps.materialize(clone, List.of());
        for (String module : List.of("agent-collector", "taster-service")) {
            Path jar = clone.resolve(Repo.ROOT.relativize(Repo.jar(module)));
            Files.createDirectories(jar.getParent());
            Files.copy(Repo.jar(module), jar);
        }
        Path source = clone.resolve("matchmaker-service/src/main/java/io/donuttracing/matchmaker/donutdb/DonutDb.java");
        String code = Files.readString(source);
        Files.writeString(source, code.replace("public int optimalSugarLevel(int hops) {",
                "public int optimalSugarLevel(int hops) { a learner's typo"));

        Steps.Result broken = inClone(clone, "up", "--detach");

        assertThat(broken.exitCode()).isEqualTo(1);
        // Maven's last words are "mvn <args> -rf :matchmaker-service": the script's, after them, say what to do
        assertThat(broken.output()).contains("DonutDb.java:[").endsWith("workshop: the build failed, so nothing was"
                + " started: Maven's errors above name the file and line (for code that does not compile, the first [ERROR]"
                + " lines). Fix it, then " + self + " up again.\n");
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
        assertThat(inClone(clone, "status").output()).doesNotContain("running").doesNotContain("is starting");

        Files.writeString(source, code);
        Steps.Result fixed = inClone(clone, "up", "--detach");

        assertThat(fixed.exitCode()).as(fixed.output()).isZero();
        assertThat(fixed.output()).contains("building matchmaker-service").contains("matchmaker  http://127.0.0.1:" + matchmakerPort);
        assertThat(Repo.get(matchmakerPort, "/pair/beer?name=ipa").statusCode()).isEqualTo(200);
        assertThat(inClone(clone, "down").exitCode()).isZero();
    }

    @Test
    void aBuildEndedByCtrlCIsNotCalledFailed() throws IOException {
        // Maven's JVM ends on Ctrl-C with status 130, and the script goes on after it: it must not say "the build failed"
        Path clone = workshop.runDir.resolve("clone");
        Steps.materialize(clone, List.of());
        Files.writeString(clone.resolve("mvnw"), "#!/bin/sh\necho '[INFO] building'\nexit 130\n");

        Steps.Result up = inClone(clone, "up");

        assertThat(up.exitCode()).isEqualTo(130);
        assertThat(up.output()).endsWith("[INFO] building\n\ninterrupted during the build: nothing was started\n")
                .doesNotContain("the build failed");
        assertThat(Files.isSymbolicLink(workshop.runDir.resolve("up.lock"))).isFalse();
        assertThat(List.of(collectorPort, redisPort, tasterPort, matchmakerPort)).noneMatch(Repo::listening);
    }

    /** {@code ./workshop} of another copy of the project, on this test's ports and run directory. */
    private Steps.Result inClone(Path clone, String... args) {
        ProcessBuilder builder = workshop.builder(args).directory(clone.toFile());
        builder.command().set(0, clone.resolve("workshop").toString());
        return Steps.finish(builder, 5);
    }

    @Test
    void aSymlinkToTheScriptAndAnExportedCdpathStillFindTheClone() throws IOException {
        // ln -s ~/donut/workshop ~/bin/workshop: before, the symlink's folder was taken for the clone, and every
        // command that needs its files failed with a bash error (up: "./mvnw: No such file or directory")
        Path bin = Files.createDirectories(workshop.runDir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("workshop"), Repo.ROOT.resolve("workshop"));
        ProcessBuilder viaLink = workshop.builder("step", "list").directory(workshop.runDir.toFile());
        viaLink.command().set(0, link.toString());
        Steps.Result list = Steps.finish(viaLink, 3);
        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).contains("00  The untraced app");
        assertThat(bin.resolve("logs")).doesNotExist();

        // CDPATH exported by a shell's rc file, the script called by a relative path (donut/workshop up): before, cd
        // printed the clone's folder, which became part of ROOT
        ProcessBuilder relative = workshop.builder("step", "list").directory(Repo.ROOT.getParent().toFile());
        relative.command().set(0, Repo.ROOT.getFileName() + "/workshop");
        relative.environment().put("CDPATH", ".");
        Steps.Result fromAbove = Steps.finish(relative, 3);
        assertThat(fromAbove.exitCode()).as(fromAbove.output()).isZero();
        assertThat(fromAbove.output()).startsWith("00  The untraced app");
    }

    @Test
    void typedAsShWorkshopItRunsInBash() {
        // sh workshop up: before, dash (sh on Debian, Ubuntu and WSL) stopped on "set: Illegal option -o pipefail";
        // macOS's sh is bash in POSIX mode, which POSIXLY_CORRECT stands for here
        for (List<String> sh : List.of(List.of("sh"), List.of("env", "POSIXLY_CORRECT=1", "sh"))) {
            ProcessBuilder builder = workshop.builder("step", "list");
            builder.command().addAll(0, sh);
            builder.command().set(sh.size(), "workshop");
            Steps.Result list = Steps.finish(builder, 1);
            assertThat(list.exitCode()).as(list.output()).isZero();
            assertThat(list.output()).startsWith("00  The untraced app");
        }
        ProcessBuilder bench = workshop.builder("bench", "abc");
        bench.command().set(0, "workshop");
        bench.command().add(0, "sh");
        Steps.Result refused = Steps.finish(bench, 1);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).isEqualTo("workshop: bench takes a number of calls from 1 to 999999, not 'abc'\n");
    }

    private Steps.Result workshop(String... args) {
        return workshop.run(args);
    }
}

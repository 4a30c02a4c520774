package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code steps/step} (what {@code ./workshop step} runs) in a throwaway clone of this repository. */
class StepScriptIT {

    static final Path CLONES = Repo.ROOT.resolve("steps/target/step-script");
    static final String APP = "matchmaker-service/src/main/java/io/donuttracing/matchmaker";

    Path clone;

    @BeforeEach
    void cloneTheRepository() throws IOException {
        Files.createDirectories(CLONES);
        clone = Files.createTempDirectory(CLONES, "clone-");
        Steps.deleteRecursively(clone);
        Steps.git(CLONES, "clone", "-q", "--no-hardlinks", Repo.ROOT.toString(), clone.toString());
        // CI may check out a detached commit: the learner's clone has a branch main
        Steps.git(clone, "checkout", "-q", "-B", "main");
        Steps.git(clone, "config", "user.email", "learner@example.com");
        Steps.git(clone, "config", "user.name", "A learner");
    }

    @Test
    void stepTwoIsABranchHoldingTheCodeOfStepTwoAndMainGoesBack() {
        String mainCommit = Steps.git(clone, "rev-parse", "HEAD").strip();

        Steps.Result result = step("2");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Step 2: Time a route, on branch step-02.")
                .contains("Read steps/02-time-a-route/README.md").contains("TimingAspect.java");
        assertThat(branch()).isEqualTo("step-02");
        assertThat(Steps.git(clone, "log", "-1", "--format=%s").strip()).isEqualTo("Workshop step 02: Time a route");
        assertThat(Steps.git(clone, "rev-parse", "HEAD~1").strip()).isEqualTo(mainCommit);
        assertThat(Steps.git(clone, "status", "--porcelain")).isEmpty();
        Path expected = CLONES.resolve(clone.getFileName() + "-expected");
        Steps.materialize(expected, Steps.undoFor(2));
        for (String module : List.of("matchmaker-service", "taster-service")) {
            assertThat(tree(clone.resolve(module))).as("%s of branch step-02", module).isEqualTo(tree(expected.resolve(module)));
        }
        assertThat(clone.resolve(APP + "/timing/TimingAspect.java")).exists();
        assertThat(clone.resolve(APP + "/tracing")).doesNotExist();

        Steps.Result back = step("main");

        assertThat(back.exitCode()).as(back.output()).isZero();
        assertThat(branch()).isEqualTo("main");
        assertThat(Steps.git(clone, "rev-parse", "HEAD").strip()).isEqualTo(mainCommit);
        assertThat(clone.resolve(APP + "/timing")).doesNotExist();
    }

    @Test
    void aSwitchRewritesOnlyTheFilesThatDifferSoThatTheWorkshopSeesUnchangedCodeAsUnchanged() throws IOException {
        assertThat(step("6").exitCode()).isZero();
        FileTime old = FileTime.fromMillis(0);
        for (String file : Steps.git(clone, "ls-files").lines().toList()) {
            Files.setLastModifiedTime(clone.resolve(file), old);
        }

        assertThat(step("7").exitCode()).isZero(); // a text only: not one file rewritten
        assertThat(rewritten(old)).isEmpty();

        assertThat(step("8").exitCode()).isZero();
        assertThat(rewritten(old)).containsExactlyInAnyOrder(APP + "/pairing/PairingService.java", APP + "/tracing/TracingConfig.java");
    }

    @Test
    void codeTypedOnTheStepBeforeComparesWithTheStepAsItsReadmeSays() {
        assertThat(step("1").exitCode()).isZero();
        // typed exactly as the text shows: the step's patch, new files included
        Steps.git(clone, "apply", "steps/02-time-a-route/change.patch");
        Steps.git(clone, "add", "-A");
        Steps.git(clone, "commit", "-q", "-m", "my step 2");

        assertThat(step("2").exitCode()).isZero();

        assertThat(Steps.git(clone, "diff", "step-01", "step-02")).isEmpty();
        assertThat(step("1").output()).contains("On your own branch step-01, as you left it");
    }

    @Test
    void uncommittedWorkIsRefusedOrStashedWithAMessage() throws IOException {
        assertThat(step("2").exitCode()).isZero();
        Path edited = clone.resolve(APP + "/pairing/PairingController.java");
        Files.writeString(edited, "// my work\n", java.nio.file.StandardOpenOption.APPEND);
        // a class typed from a step's text, not yet added: work too, and step 4's branch has a file of that name
        Path typed = clone.resolve(APP + "/timing/RequestIdFilter.java");
        Files.createDirectories(typed.getParent());
        Files.writeString(typed, "// typed by hand\n");

        Steps.Result refused = step("4");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("You have uncommitted changes").contains("PairingController.java")
                .contains("RequestIdFilter.java").contains("Nothing was changed").contains("./workshop step 4 --stash");
        assertThat(branch()).isEqualTo("step-02");
        assertThat(Files.readString(edited)).endsWith("// my work\n");
        assertThat(Files.readString(typed)).isEqualTo("// typed by hand\n");

        Steps.Result stashed = step("4", "--stash");

        assertThat(stashed.exitCode()).as(stashed.output()).isZero();
        assertThat(stashed.output()).contains("Your uncommitted changes are stashed").contains("git stash pop")
                .contains("Step 4: A correlation id on every line, on branch step-04.");
        assertThat(branch()).isEqualTo("step-04");
        assertThat(Steps.git(clone, "stash", "list")).contains("your work on step-02");
        assertThat(Files.readString(edited)).doesNotContain("// my work");
        assertThat(Files.readString(typed)).as("step 4's own file, the typed one stashed").doesNotContain("typed by hand");
        Steps.git(clone, "checkout", "-q", "step-02");
        Steps.git(clone, "stash", "pop", "-q");
        assertThat(Files.readString(typed)).isEqualTo("// typed by hand\n");
        Steps.git(clone, "stash", "push", "-q", "--include-untracked"); // out of the way again

        assertThat(step("main").exitCode()).isZero();
        assertThat(branch()).isEqualTo("main");
    }

    @Test
    void aStepBranchWithTheLearnersCommitsIsKeptUnlessFresh() throws IOException {
        assertThat(step("3").exitCode()).isZero();
        Files.writeString(clone.resolve("NOTES.md"), "what I learnt\n");
        Steps.git(clone, "add", "NOTES.md");
        Steps.git(clone, "commit", "-q", "-m", "my notes");
        assertThat(step("main").exitCode()).isZero();

        Steps.Result again = step("3");

        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("On your own branch step-03, as you left it").contains("--fresh");
        assertThat(branch()).isEqualTo("step-03");
        assertThat(clone.resolve("NOTES.md")).exists();

        Steps.Result fresh = step("3", "--fresh");

        assertThat(fresh.exitCode()).as(fresh.output()).isZero();
        assertThat(fresh.output()).contains("is kept as step-03-yours-");
        assertThat(clone.resolve("NOTES.md")).doesNotExist();
        assertThat(Steps.git(clone, "branch", "--list", "step-03-yours-*")).contains("step-03-yours-");
        assertThat(Steps.git(clone, "log", "-1", "--format=%s").strip()).isEqualTo("Workshop step 03: Drill into sub-operations");
    }

    @Test
    void aPatchThatNoLongerAppliesIsNamedAndNothingIsLeftHalfDone() throws IOException {
        Path service = clone.resolve(APP + "/pairing/PairingService.java");
        Files.writeString(service, Files.readString(service).replace("public String bestMatch(", "public String bestPairing("));
        Steps.git(clone, "commit", "-q", "-am", "main moved on");

        Steps.Result result = step("8");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains("steps/11-find-and-fix/change.patch no longer applies to main")
                .contains("Nothing was changed: you are still on main");
        assertThat(branch()).isEqualTo("main");
        assertThat(Steps.git(clone, "status", "--porcelain")).isEmpty();
        assertThat(Steps.git(clone, "branch", "--list", "step-08")).isEmpty();
    }

    @Test
    void listShowsEveryStepWithItsTitle() {
        Steps.Result list = step("list");

        assertThat(list.exitCode()).isZero();
        assertThat(list.output().lines()).hasSize(13);
        assertThat(list.output()).contains("00  The untraced app").contains("11  Find and fix")
                .containsPattern("05  A step back +text only");
    }

    private Steps.Result step(String... args) {
        List<String> command = new ArrayList<>(List.of(clone.resolve("steps/step").toString()));
        command.addAll(List.of(args));
        return Steps.run(clone, command.toArray(String[]::new));
    }

    /** The tracked files whose modification time is no longer {@code old}. */
    private List<String> rewritten(FileTime old) throws IOException {
        List<String> files = new ArrayList<>();
        for (String file : Steps.git(clone, "ls-files").lines().toList()) {
            if (!Files.getLastModifiedTime(clone.resolve(file)).equals(old)) {
                files.add(file);
            }
        }
        return files;
    }

    private String branch() {
        return Steps.git(clone, "rev-parse", "--abbrev-ref", "HEAD").strip();
    }

    /** Every file under {@code dir} (but target/) with its content, as one comparable string. */
    private static String tree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            StringBuilder out = new StringBuilder();
            for (Path file : files.filter(Files::isRegularFile).filter(p -> !dir.relativize(p).startsWith("target")).sorted().toList()) {
                out.append("== ").append(dir.relativize(file)).append('\n').append(Files.readString(file));
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

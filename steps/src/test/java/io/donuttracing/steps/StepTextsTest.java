package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The step texts show the code of their step, and nothing else. A fenced code block right under a marker
 * <pre>{@code <!-- file: matchmaker-service/src/main/java/.../PairingService.java -->}</pre>
 * must appear in that file of the step's code, line for line once the block's common indentation is
 * removed (the file may indent it more). {@code @ by-hand} after the path means step 10's code written by
 * hand (before its {@code change.patch}); {@code @ step NN} means another step's code. Blocks without a
 * marker are commands and their output.
 */
class StepTextsTest {

    private static final Pattern MARKER = Pattern.compile("^<!-- file: (\\S+)(?: @ (by-hand|step (\\d+)))? -->$");
    private static final Path WORK = Repo.ROOT.resolve("steps/target/step-texts");

    private final Map<String, Path> materialized = new HashMap<>();

    record Block(Path text, int line, String file, String variant, List<String> lines) {

        @Override
        public String toString() {
            return Repo.ROOT.relativize(text) + ":" + line + " (" + file + (variant == null ? "" : " @ " + variant) + ")";
        }
    }

    @Test
    void everyStepHasATextWhoseTitleNamesIt() {
        List<Steps.Step> steps = Steps.all();
        assertThat(steps).extracting(Steps.Step::number).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(steps).allSatisfy(step -> {
            assertThat(step.text()).isRegularFile();
            assertThat(Steps.read(step.text()).lines().findFirst().orElse(""))
                    .as("the first line of %s", step.text()).startsWith("# Step " + step.number() + ": ");
        });
        assertThat(steps).filteredOn(Steps.Step::changesCode).extracting(Steps.Step::number)
                .containsExactly(2, 3, 4, 6, 8, 9, 10, 11);
    }

    @TestFactory
    Stream<DynamicTest> everyCodeBlockThatNamesAFileIsInThatFileOfItsStep() {
        List<Block> blocks = new ArrayList<>();
        for (Steps.Step step : Steps.all()) {
            blocks.addAll(blocks(step.text()));
        }
        assertThat(blocks).as("code blocks with a file marker").hasSizeGreaterThan(20);
        return blocks.stream().map(block -> DynamicTest.dynamicTest(block.toString(), () -> check(block)));
    }

    private void check(Block block) {
        Path file = codeOf(block).resolve(block.file());
        assertThat(file).as("%s names a file that its step's code does not have", block).isRegularFile();
        List<String> fileLines = Steps.read(file).lines().toList();
        assertThat(contains(fileLines, block.lines()))
                .as("%s: this block is not in %s of that step's code:%n%s", block, block.file(), String.join("\n", block.lines()))
                .isTrue();
    }

    /** The code of the block's step (or of the variant it names), made once per test run. */
    private Path codeOf(Block block) {
        String key;
        List<Path> undo;
        if ("by-hand".equals(block.variant())) {
            key = "10-by-hand";
            undo = Steps.undoForByHand();
        } else {
            int number = block.variant() == null ? stepOf(block.text()) : Integer.parseInt(block.variant().substring(5));
            key = String.format("%02d", number);
            undo = Steps.undoFor(number);
        }
        return materialized.computeIfAbsent(key, k -> {
            Path dir = WORK.resolve(k);
            Steps.materialize(dir, undo);
            return dir;
        });
    }

    /**
     * A learner who types a step rather than switching to it needs the imports too: for every Java file of the
     * app whose imports a step's patch changes, its text shows a block with the file's package line and all its
     * imports in that step's code ({@code by-hand.patch}'s under {@code @ by-hand}).
     */
    @TestFactory
    Stream<DynamicTest> everyStepTextShowsTheImportsOfTheJavaFilesItChanges() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Steps.Step step : Steps.all()) {
            List<Block> blocks = blocks(step.text());
            for (Path patch : step.patches()) {
                String variant = patch.getFileName().toString().equals(Steps.BY_HAND) ? "by-hand" : null;
                for (String file : filesWhoseImportsChange(patch)) {
                    tests.add(DynamicTest.dynamicTest(step + ": " + file + (variant == null ? "" : " @ " + variant), () -> {
                        Block shown = blocks.stream()
                                .filter(b -> b.file().equals(file) && Objects.equals(b.variant(), variant))
                                .filter(b -> b.lines().stream().anyMatch(l -> l.startsWith("package ")))
                                .findFirst().orElse(null);
                        assertThat(shown).as("%s changes the imports of %s: its text needs a block (### Imports) with the "
                                + "file's package line and imports", step, file).isNotNull();
                        List<String> imports = Steps.read(codeOf(shown).resolve(file)).lines()
                                .filter(l -> l.startsWith("import ")).toList();
                        assertThat(shown.lines()).as("%s: the imports", shown).containsAll(imports);
                    }));
                }
            }
        }
        assertThat(tests).as("files whose imports the steps change").hasSizeGreaterThan(10);
        return tests.stream();
    }

    /**
     * A learner who types a step from its text alone must end with code that builds and runs: every line a step's
     * patch adds to the app's main sources and resources is in a block of that file in its text (under
     * {@code @ by-hand} for {@code by-hand.patch}). Comments, imports (checked above) and lines of braces alone
     * are left out of the check.
     */
    @TestFactory
    Stream<DynamicTest> everyLineAStepAddsToTheAppIsShownInItsText() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Steps.Step step : Steps.all()) {
            List<Block> blocks = blocks(step.text());
            for (Path patch : step.patches()) {
                String variant = patch.getFileName().toString().equals(Steps.BY_HAND) ? "by-hand" : null;
                addedLines(patch).forEach((file, added) -> tests.add(DynamicTest.dynamicTest(
                        step + ": " + file + (variant == null ? "" : " @ " + variant), () -> {
                            List<String> shown = blocks.stream()
                                    .filter(b -> b.file().equals(file) && Objects.equals(b.variant(), variant))
                                    .flatMap(b -> b.lines().stream()).map(String::strip).toList();
                            assertThat(added).as("%s adds these lines to %s, which its text does not show", patch
                                    .getFileName(), file).allSatisfy(line -> assertThat(shown).contains(line));
                        })));
            }
        }
        assertThat(tests).as("files the steps add lines to").hasSizeGreaterThan(10);
        return tests.stream();
    }

    /** By file of the app's main sources and resources: the lines a patch adds, stripped, but for those left out. */
    static Map<String, List<String>> addedLines(Path patch) {
        Map<String, List<String>> added = new LinkedHashMap<>();
        String file = null;
        for (String line : Steps.read(patch).lines().toList()) {
            if (line.startsWith("+++ ")) {
                file = line.startsWith("+++ b/") && line.contains("/src/main/") ? line.substring(6) : null;
            } else if (file != null && line.startsWith("+")) {
                String code = line.substring(1).strip();
                boolean leftOut = code.isEmpty() || code.startsWith("//") || code.startsWith("/*") || code.startsWith("*")
                        || code.startsWith("import ") || code.startsWith("package ") || code.matches("[{}();]+");
                if (!leftOut) {
                    added.computeIfAbsent(file, f -> new ArrayList<>()).add(code);
                }
            }
        }
        return added;
    }

    /** The app's main Java files (not tests) that a patch adds or removes an import in. */
    static List<String> filesWhoseImportsChange(Path patch) {
        List<String> files = new ArrayList<>();
        String file = null;
        for (String line : Steps.read(patch).lines().toList()) {
            if (line.startsWith("+++ ")) {
                file = line.startsWith("+++ b/") ? line.substring(6) : null; // +++ /dev/null: a deleted file
            } else if (file != null && file.endsWith(".java") && file.contains("/src/main/") && !files.contains(file)
                    && (line.startsWith("+import ") || line.startsWith("-import "))) {
                files.add(file);
            }
        }
        return files;
    }

    private static int stepOf(Path text) {
        return Integer.parseInt(text.getParent().getFileName().toString().substring(0, 2));
    }

    /** The marked blocks of one text, their common indentation removed. */
    static List<Block> blocks(Path text) {
        List<String> lines = Steps.read(text).lines().toList();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher marker = MARKER.matcher(lines.get(i).strip());
            if (!marker.matches()) {
                assertThat(lines.get(i)).as("%s:%d looks like a file marker but is not one", text, i + 1)
                        .doesNotContain("<!-- file");
                continue;
            }
            int fence = i + 1;
            assertThat(fence < lines.size() && lines.get(fence).startsWith("```"))
                    .as("%s:%d: a file marker must be right above a fenced code block", text, i + 1).isTrue();
            List<String> body = new ArrayList<>();
            int j = fence + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                body.add(lines.get(j));
                j++;
            }
            assertThat(j).as("%s:%d: the code block is not closed", text, fence + 1).isLessThan(lines.size());
            blocks.add(new Block(text, fence + 1, marker.group(1), marker.group(2), dedent(body)));
            i = j;
        }
        return blocks;
    }

    static List<String> dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
    }

    /** True when {@code block} appears in {@code file} as consecutive lines, all indented by the same prefix. */
    static boolean contains(List<String> file, List<String> block) {
        if (block.isEmpty()) {
            return true;
        }
        for (int i = 0; i + block.size() <= file.size(); i++) {
            String first = file.get(i);
            if (!first.endsWith(block.get(0))) {
                continue;
            }
            String prefix = first.substring(0, first.length() - block.get(0).length());
            if (!prefix.isBlank()) {
                continue;
            }
            boolean all = true;
            for (int j = 0; j < block.size() && all; j++) {
                String expected = block.get(j);
                String actual = file.get(i + j);
                all = expected.isEmpty() ? actual.isBlank() : actual.equals(prefix + expected);
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theComparisonToleratesIndentationAndNothingElse() {
        List<String> file = List.of("class A {", "    void f() {", "        g();", "    }", "}");
        assertThat(contains(file, dedent(List.of("  void f() {", "      g();", "  }")))).isTrue();
        assertThat(contains(file, List.of("void f() {", "    h();"))).isFalse();
        assertThat(contains(file, List.of("void f() {", "g();"))).isFalse();
        assertThat(Files.exists(Repo.ROOT.resolve("steps/README.md"))).isTrue();
    }
}

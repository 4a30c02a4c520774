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
        for (Patch patch : patches()) {
            patch.changedLines().forEach((file, changed) -> {
                if (file.endsWith(".java") && changed.stream().anyMatch(l -> l.startsWith("+import ") || l.startsWith("-import "))) {
                    tests.add(DynamicTest.dynamicTest(patch.name(file), () -> {
                        Block shown = patch.blocksOf(file).stream()
                                .filter(b -> b.lines().stream().anyMatch(l -> l.startsWith("package ")))
                                .findFirst().orElse(null);
                        assertThat(shown).as("%s changes the imports of %s: its text needs a block (### Imports) with the "
                                + "file's package line and imports", patch.step(), file).isNotNull();
                        List<String> imports = Steps.read(codeOf(shown).resolve(file)).lines()
                                .filter(l -> l.startsWith("import ")).toList();
                        assertThat(shown.lines()).as("%s: the imports", shown).containsAll(imports);
                    }));
                }
            });
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
        for (Patch patch : patches()) {
            patch.changedLines().forEach((file, changed) -> {
                List<String> added = changed.stream().filter(l -> l.startsWith("+")).map(l -> l.substring(1).strip())
                        .filter(code -> !(code.isEmpty() || code.startsWith("//") || code.startsWith("/*")
                                || code.startsWith("*") || code.startsWith("import ") || code.startsWith("package ")
                                || code.matches("[{}();]+")))
                        .toList();
                if (!added.isEmpty()) {
                    tests.add(DynamicTest.dynamicTest(patch.name(file), () -> {
                        List<String> shown = patch.blocksOf(file).stream().flatMap(b -> b.lines().stream())
                                .map(String::strip).toList();
                        assertThat(added).as("%s adds these lines to %s, which its text does not show", patch.file()
                                .getFileName(), file).allSatisfy(line -> assertThat(shown).contains(line));
                    }));
                }
            });
        }
        assertThat(tests).as("files the steps add lines to").hasSizeGreaterThan(10);
        return tests.stream();
    }

    /** One patch of a step, with the marked blocks of the step's text ({@code variant} by-hand for by-hand.patch). */
    record Patch(Steps.Step step, Path file, String variant, List<Block> blocks) {

        /** The text's blocks of one file of the app, for this patch's code. */
        List<Block> blocksOf(String appFile) {
            return blocks.stream().filter(b -> b.file().equals(appFile) && Objects.equals(b.variant(), variant)).toList();
        }

        String name(String appFile) {
            return step + ": " + appFile + (variant == null ? "" : " @ " + variant);
        }

        /**
         * By file of the app's main sources and resources that the patch changes (and does not delete): its added
         * and removed lines, with their {@code +} or {@code -}.
         */
        Map<String, List<String>> changedLines() {
            Map<String, List<String>> changed = new LinkedHashMap<>();
            String appFile = null;
            for (String line : Steps.read(file).lines().toList()) {
                if (line.startsWith("diff --git ")) {
                    appFile = null; // its --- line is not a removed line
                } else if (line.startsWith("+++ ")) {
                    // +++ /dev/null: a deleted file
                    appFile = line.startsWith("+++ b/") && line.contains("/src/main/") ? line.substring(6) : null;
                } else if (appFile != null && (line.startsWith("+") || line.startsWith("-"))) {
                    changed.computeIfAbsent(appFile, f -> new ArrayList<>()).add(line);
                }
            }
            return changed;
        }
    }

    /** Every patch of every step, in order. */
    private static List<Patch> patches() {
        List<Patch> patches = new ArrayList<>();
        for (Steps.Step step : Steps.all()) {
            List<Block> blocks = blocks(step.text());
            for (Path patch : step.patches()) {
                patches.add(new Patch(step, patch, patch.getFileName().toString().equals(Steps.BY_HAND) ? "by-hand" : null, blocks));
            }
        }
        return patches;
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

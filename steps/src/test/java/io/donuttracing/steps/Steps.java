package io.donuttracing.steps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The workshop's steps as {@code steps/step} sees them: one folder per step ({@code steps/NN-slug/}), with
 * its text and, for a step that changes code, {@code change.patch} (step 10 also {@code by-hand.patch},
 * applied before it). main holds the last step's code; the code of step N is main with the patches of
 * the later steps undone, last step first.
 */
final class Steps {

    static final Path DIR = Repo.ROOT.resolve("steps");
    static final String BY_HAND = "by-hand.patch";
    static final String CHANGE = "change.patch";

    private static final Pattern FOLDER = Pattern.compile("(\\d\\d)-[a-z0-9-]+");

    private Steps() {
    }

    record Step(int number, Path dir) {

        String nn() {
            return String.format("%02d", number);
        }

        /** The step's patches in the order they apply going forward. */
        List<Path> patches() {
            return Stream.of(BY_HAND, CHANGE).map(dir::resolve).filter(Files::isRegularFile).toList();
        }

        boolean changesCode() {
            return !patches().isEmpty();
        }

        Path text() {
            return dir.resolve("README.md");
        }

        @Override
        public String toString() {
            return "step " + number + " (" + Repo.ROOT.relativize(dir) + ")";
        }
    }

    static List<Step> all() {
        try (Stream<Path> entries = Files.list(DIR)) {
            return entries.filter(Files::isDirectory)
                    .map(dir -> {
                        Matcher m = FOLDER.matcher(dir.getFileName().toString());
                        return m.matches() ? new Step(Integer.parseInt(m.group(1)), dir) : null;
                    })
                    .filter(step -> step != null)
                    .sorted(Comparator.comparingInt(Step::number))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Step step(int number) {
        return all().stream().filter(s -> s.number() == number).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no folder steps/" + String.format("%02d", number) + "-*"));
    }

    /** The patches to undo, in order, to go from main to the code of step {@code number}. */
    static List<Path> undoFor(int number) {
        List<Path> undo = new ArrayList<>();
        List<Step> later = new ArrayList<>(all().stream().filter(s -> s.number() > number).toList());
        later.sort(Comparator.comparingInt(Step::number).reversed());
        for (Step step : later) {
            List<Path> forward = new ArrayList<>(step.patches());
            java.util.Collections.reverse(forward);
            undo.addAll(forward);
        }
        return undo;
    }

    /** Step 10's code before its interceptor: step 9 plus the propagation written by hand. */
    static List<Path> undoForByHand() {
        List<Path> undo = new ArrayList<>(undoFor(10));
        undo.add(step(10).dir().resolve(CHANGE));
        return undo;
    }

    /**
     * Copies the tracked files of this working tree into {@code target} (a fresh directory), makes it a git
     * repository of its own (so that {@code git apply} works there and nowhere else), and undoes the patches.
     * A patch that no longer applies fails with its step's name and git's reason.
     */
    static void materialize(Path target, List<Path> undo) {
        deleteRecursively(target);
        try {
            Files.createDirectories(target);
            String files = git(Repo.ROOT, "ls-files", "-z");
            for (String file : files.split("\0")) {
                if (file.isEmpty()) {
                    continue;
                }
                Path source = Repo.ROOT.resolve(file);
                if (!Files.isRegularFile(source)) {
                    continue; // deleted in the working tree
                }
                Path copy = target.resolve(file);
                Files.createDirectories(copy.getParent());
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
                copy.toFile().setExecutable(Files.isExecutable(source));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        git(target, "init", "-q");
        for (Path patch : undo) {
            Result result = run(target, "git", "apply", "-R", "--whitespace=nowarn", patch.toString());
            if (result.exitCode() != 0) {
                throw new AssertionError(Repo.ROOT.relativize(patch) + " no longer applies (reversed) to the code "
                        + "of the steps after it, so that step and the ones before it cannot be built:\n" + result.output());
            }
        }
    }

    static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(Arrays.asList(args));
        Result result = run(dir, command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed in " + dir + ":\n" + result.output());
        }
        return result.output();
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command to its end (at most 10 minutes), its output and error output together. */
    static Result run(Path dir, String... command) {
        return run(dir, List.of(), command);
    }

    /** {@code env}: {@code NAME=value} sets, {@code -NAME} removes, {@code -PREFIX*} removes every name that starts so. */
    static Result run(Path dir, List<String> env, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        for (String pair : env) {
            if (pair.startsWith("-") && pair.endsWith("*")) {
                String prefix = pair.substring(1, pair.length() - 1);
                builder.environment().keySet().removeIf(name -> name.startsWith(prefix));
            } else if (pair.startsWith("-")) {
                builder.environment().remove(pair.substring(1));
            } else {
                int eq = pair.indexOf('=');
                builder.environment().put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return finish(builder, 10);
    }

    /**
     * Starts {@code builder}'s command and waits at most {@code minutes} for it, then kills it and fails.
     * The output goes to a file, not a pipe: reading a pipe to its end would wait for every process that
     * inherited it, past any timeout.
     */
    static Result finish(ProcessBuilder builder, int minutes) {
        Path output = null;
        try {
            output = Files.createTempFile("steps-command", ".log");
            Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", builder.command()) + " did not finish in " + minutes
                        + " minutes; its output:\n" + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }

    static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

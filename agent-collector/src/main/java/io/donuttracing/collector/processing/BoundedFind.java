package io.donuttracing.collector.processing;

import java.util.regex.Pattern;

/**
 * {@code pattern.matcher(value).find()}, stopped after {@value #MAX_READS} character reads. The filters' expressions
 * are written for the agent's Go engine, which runs in linear time; Java's backtracks, and a rule such as
 * {@code (.*a){15}} would hold an intake thread for minutes on a 40-character value that a client chose. A match
 * stopped that way is undecided, and the caller says what undecided means: a trace is kept, neither ignored nor
 * rejected by that rule, whether the rule rejects or requires.
 */
final class BoundedFind {
    static final int MAX_READS = 100_000;

    private static final RuntimeException SPENT = new RuntimeException("over the budget", null, false, false) {};

    private BoundedFind() {}

    /** @param undecided the answer when the match is stopped */
    static boolean find(Pattern pattern, String value, boolean undecided) {
        int[] left = {MAX_READS};
        CharSequence counted = new CharSequence() { // the matcher reads its text through charAt only
            @Override
            public char charAt(int i) {
                if (--left[0] < 0) {
                    throw SPENT;
                }
                return value.charAt(i);
            }

            @Override
            public int length() {
                return value.length();
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                return value.subSequence(start, end);
            }

            @Override
            public String toString() {
                return value;
            }
        };
        try {
            return pattern.matcher(counted).find();
        } catch (RuntimeException | StackOverflowError e) { // SPENT, or an expression too deep for this value
            return undecided;
        }
    }
}

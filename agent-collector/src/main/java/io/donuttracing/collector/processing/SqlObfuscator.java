package io.donuttracing.collector.processing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Replaces the literals of a SQL query with {@code ?}, in the spirit of datadog-agent
 * {@code pkg/obfuscate/sql.go}: strings, numbers, {@code NULL}, booleans and bind markers ({@code ?},
 * {@code $1}, {@code :name}, {@code %s}) become {@code ?}; comments and {@code AS alias} are removed; a
 * parenthesised list of literals collapses to {@code ( ? )}; tokens are re-joined with single spaces
 * (a comma sticks to the token before it).
 *
 * <p>{@code SELECT username AS person FROM users WHERE id=4} becomes
 * {@code SELECT username FROM users WHERE id = ?}.
 */
public final class SqlObfuscator {
    private static final String Q = "?";

    public String obfuscate(String sql) {
        List<String> tokens = tokenize(sql);
        tokens = dropAliases(tokens);
        tokens = collapseGroups(tokens);
        StringBuilder b = new StringBuilder(sql.length());
        for (String t : tokens) {
            if (b.length() > 0 && !t.equals(",")) {
                b.append(' ');
            }
            b.append(t);
        }
        return b.toString();
    }

    private static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '@' || c == '#';
    }

    private static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '$' || c == '@' || c == '#';
    }

    /** Whether a '-' or '+' before a number is a sign, judged by the token before it. */
    private static boolean signPosition(List<String> out) {
        if (out.isEmpty()) {
            return true;
        }
        String p = out.get(out.size() - 1);
        if (p.equals(Q) || p.equals(")")) {
            return false;
        }
        char c = p.charAt(0);
        return !(Character.isLetterOrDigit(c) || c == '_' || c == '"' || c == '`') || isKeyword(p);
    }

    private static boolean isKeyword(String t) {
        switch (t.toUpperCase(Locale.ROOT)) {
            case "SELECT", "WHERE", "AND", "OR", "NOT", "IN", "VALUES", "SET", "BY", "LIMIT", "OFFSET", "THEN",
                    "ELSE", "WHEN", "BETWEEN", "LIKE", "IS", "RETURN", "ON", "HAVING":
                return true;
            default:
                return false;
        }
    }

    List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '\'') {
                i = skipQuoted(s, i, '\'');
                out.add(Q);
            } else if (c == '"' || c == '`') {
                int end = skipQuoted(s, i, c);
                out.add(s.substring(i, end));
                i = end;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1)))
                    || ((c == '-' || c == '+') && i + 1 < n && (Character.isDigit(s.charAt(i + 1))
                    || s.charAt(i + 1) == '.') && signPosition(out))) {
                i = skipNumber(s, i);
                out.add(Q);
            } else if (c == '?') {
                i++;
                out.add(Q);
            } else if (c == '$' && i + 1 < n && Character.isDigit(s.charAt(i + 1))) {
                i++;
                while (i < n && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                out.add(Q);
            } else if (c == ':' && i + 1 < n && identStart(s.charAt(i + 1)) && (i == 0 || s.charAt(i - 1) != ':')) {
                i++;
                while (i < n && identPart(s.charAt(i))) {
                    i++;
                }
                out.add(Q);
            } else if (c == '%' && i + 1 < n && (s.charAt(i + 1) == 's' || s.charAt(i + 1) == 'd' || s.charAt(i + 1) == '(')) {
                if (s.charAt(i + 1) == '(') {
                    int end = s.indexOf(')', i);
                    i = end < 0 ? n : Math.min(n, end + 2);
                } else {
                    i += 2;
                }
                out.add(Q);
            } else if (identStart(c)) {
                int start = i;
                while (i < n && (identPart(s.charAt(i)) || (s.charAt(i) == '*' && s.charAt(i - 1) == '.'))) {
                    i++;
                }
                String word = s.substring(start, i);
                String upper = word.toUpperCase(Locale.ROOT);
                if (upper.equals("NULL") || upper.equals("TRUE") || upper.equals("FALSE")) {
                    out.add(Q);
                } else {
                    out.add(word);
                }
            } else {
                int len = 1;
                if (i + 1 < n) {
                    String two = s.substring(i, i + 2);
                    if (two.equals("<=") || two.equals(">=") || two.equals("<>") || two.equals("!=")
                            || two.equals("||") || two.equals("::") || two.equals(":=") || two.equals("->")) {
                        len = 2;
                    }
                }
                out.add(s.substring(i, i + len));
                i += len;
            }
        }
        return out;
    }

    private static int skipQuoted(String s, int i, char quote) {
        int n = s.length();
        i++;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\' && quote == '\'' && i + 1 < n) {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && s.charAt(i + 1) == quote) {
                    i += 2; // '' escape
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    private static int skipNumber(String s, int i) {
        int n = s.length();
        if (s.charAt(i) == '-' || s.charAt(i) == '+') {
            i++;
        }
        if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')) {
            i += 2;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0) {
                i++;
            }
            return i;
        }
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isDigit(c) || c == '.') {
                i++;
            } else if ((c == 'e' || c == 'E') && i + 1 < n) {
                i++;
                if (s.charAt(i) == '-' || s.charAt(i) == '+') {
                    i++;
                }
            } else {
                break;
            }
        }
        return i;
    }

    /** Removes {@code AS alias}. */
    private static List<String> dropAliases(List<String> in) {
        List<String> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            String t = in.get(i);
            if (t.equalsIgnoreCase("AS") && i + 1 < in.size() && isIdentifier(in.get(i + 1))) {
                i++;
                continue;
            }
            out.add(t);
        }
        return out;
    }

    private static boolean isIdentifier(String t) {
        char c = t.charAt(0);
        return identStart(c) || c == '"' || c == '`';
    }

    /** {@code ( ?, ?, ? )} becomes {@code ( ? )}. */
    private static List<String> collapseGroups(List<String> in) {
        List<String> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            String t = in.get(i);
            if (t.equals("(")) {
                int j = i + 1;
                boolean literalsOnly = j < in.size() && in.get(j).equals(Q);
                while (literalsOnly && j < in.size() && !in.get(j).equals(")")) {
                    String x = in.get(j);
                    literalsOnly = x.equals(Q) || x.equals(",");
                    j++;
                }
                if (literalsOnly && j < in.size()) {
                    out.add("(");
                    out.add(Q);
                    out.add(")");
                    i = j;
                    continue;
                }
            }
            out.add(t);
        }
        return out;
    }
}

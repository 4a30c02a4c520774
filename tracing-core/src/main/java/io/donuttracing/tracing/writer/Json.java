package io.donuttracing.tracing.writer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the little JSON the agent answers with (its {@code /info}, and {@code rate_by_service} after each batch),
 * so that tracing-core needs no JSON library. Objects become maps, arrays lists and numbers doubles; strings,
 * booleans and null stay what they are. Strict: what is not JSON is refused, saying where.
 */
final class Json {
  /** Far deeper than any answer of the agent's; the limit keeps a hostile answer from overflowing the stack. */
  static final int MAX_DEPTH = 64;
  private static final Pattern NUMBER = Pattern.compile("-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");

  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** The value {@code text} holds. @throws IllegalArgumentException if it is not one JSON value */
  static Object parse(String text) {
    Json json = new Json(text);
    Object value = json.value(0);
    json.skipSpaces();
    if (json.at < text.length()) {
      throw json.error("the end after the value");
    }
    return value;
  }

  /** The object {@code text} holds; empty when it is not JSON or holds something else: the agent said nothing. */
  static Map<String, Object> objectIn(String text) {
    try {
      return object(parse(text));
    } catch (IllegalArgumentException e) {
      return Map.of();
    }
  }

  /** {@code value} if it is an object, else an empty one. */
  @SuppressWarnings("unchecked") // parse() makes every object's keys strings
  static Map<String, Object> object(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /** The strings of {@code value} if it is an array of strings only; none if it holds anything else. */
  static List<String> strings(Object value) {
    if (!(value instanceof List<?> list)) {
      return List.of();
    }
    List<String> strings = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof String s)) {
        return List.of();
      }
      strings.add(s);
    }
    return strings;
  }

  private Object value(int depth) {
    if (depth >= MAX_DEPTH) {
      throw error("at most " + MAX_DEPTH + " nested arrays and objects");
    }
    skipSpaces();
    if (at == text.length()) {
      throw error("a value");
    }
    return switch (text.charAt(at)) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> object = new LinkedHashMap<>();
    at++; // {
    if (next() == '}') {
      at++;
      return object;
    }
    do {
      skipSpaces();
      if (next() != '"') {
        throw error("a string key");
      }
      String key = string();
      skipSpaces();
      expect(':');
      object.put(key, value(depth + 1));
    } while (comma());
    expect('}');
    return object;
  }

  private List<Object> array(int depth) {
    List<Object> array = new ArrayList<>();
    at++; // [
    if (next() == ']') {
      at++;
      return array;
    }
    do {
      array.add(value(depth + 1));
    } while (comma());
    expect(']');
    return array;
  }

  private String string() {
    StringBuilder s = new StringBuilder();
    at++; // "
    while (true) {
      if (at == text.length()) {
        throw error("the string's closing quote");
      }
      char c = text.charAt(at++);
      if (c == '"') {
        return s.toString();
      } else if (c < ' ') {
        throw error("no control character inside a string");
      } else if (c != '\\') {
        s.append(c);
      } else if (at < text.length()) {
        s.append(escaped(text.charAt(at++)));
      }
    }
  }

  /** The character a backslash and {@code c} stand for ({@code \u0041}: the four hex digits after the u). */
  private char escaped(char c) {
    return switch (c) {
      case '"', '\\', '/' -> c;
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'u' -> {
        int unicode = 0;
        for (int end = at + 4; at < end; at++) { // not Integer.parseInt: it takes a sign, and digits of any script
          char h = at < text.length() ? text.charAt(at) : ' ';
          int digit = h < 128 ? Character.digit(h, 16) : -1;
          if (digit < 0) {
            throw error("four hex digits after \\u");
          }
          unicode = unicode * 16 + digit;
        }
        yield (char) unicode;
      }
      default -> throw error("an escape such as \\n or \\u0041 after a backslash");
    };
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, at)) {
      throw error(word);
    }
    at += word.length();
    return value;
  }

  private Double number() {
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    if (!NUMBER.matcher(text).region(start, at).matches()) {
      at = start;
      throw error("a value");
    }
    return Double.parseDouble(text.substring(start, at));
  }

  /** Skips a comma if one comes next, and says whether it did. */
  private boolean comma() {
    if (next() == ',') {
      at++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("'" + c + "'");
    }
    at++;
  }

  /** The next character that is not a space, or 0 at the end. */
  private char next() {
    skipSpaces();
    return at < text.length() ? text.charAt(at) : 0;
  }

  private void skipSpaces() {
    while (at < text.length() && " \t\n\r".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
  }

  private IllegalArgumentException error(String expected) {
    return new IllegalArgumentException("not JSON: expected " + expected + " at character " + at);
  }
}

package io.donuttracing.tracing;

import io.donuttracing.tracing.context.CurrentSpan;

/** Installs MDC log correlation when SLF4J is on the class path, without making SLF4J a hard dependency. */
final class LogCorrelation {
  private LogCorrelation() {}

  static void installIfSlf4jPresent() {
    if (CurrentSpan.listener() != null) {
      return;
    }
    try {
      Class.forName("org.slf4j.MDC", false, LogCorrelation.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return;
    }
    io.donuttracing.tracing.contrib.slf4j.MdcScopeListener.install();
  }
}

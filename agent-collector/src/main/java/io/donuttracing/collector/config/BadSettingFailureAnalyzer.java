package io.donuttracing.collector.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link BadSettingException} at start into Spring Boot's short "APPLICATION FAILED TO START" report. */
class BadSettingFailureAnalyzer extends AbstractFailureAnalyzer<BadSettingException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BadSettingException cause) {
        return new FailureAnalysis("The collector cannot start with this setting. " + cause.getMessage(),
                "Correct or unset " + cause.setting() + ", then start the collector again.", cause);
    }
}

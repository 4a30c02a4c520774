package io.donuttracing.collector.config;

/**
 * A setting the collector cannot start with. Spring Boot reports it through {@link BadSettingFailureAnalyzer}:
 * the setting and what is wrong with it, without a stack trace.
 */
public class BadSettingException extends IllegalArgumentException {
    private final String setting;

    /** @param setting the name a user sets it by, e.g. {@code DD_APM_IGNORE_RESOURCES} */
    public BadSettingException(String setting, String problem, Throwable cause) {
        super(setting + ": " + problem, cause);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}

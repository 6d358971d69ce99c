package dev.chatwar.config;

/** A setting has a value the chat cannot run with. The message names the setting and the value. */
public final class ConfigException extends RuntimeException {
    public ConfigException(Setting setting, String value, String problem) {
        super(setting.name() + "='" + value + "': " + problem);
    }
}

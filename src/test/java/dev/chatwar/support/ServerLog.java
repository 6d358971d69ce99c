package dev.chatwar.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The container's log file from a starting point on, so a test can check what the server logged while it ran:
 * Tomcat's {@code logs/catalina.<date>.log} or WildFly's {@code standalone/log/server.log} under
 * {@code container.home}.
 */
public final class ServerLog {
    private final Path file;
    private final long start;

    private ServerLog(Path file, long start) {
        this.file = file;
        this.start = start;
    }

    public static ServerLog fromNow() {
        Path file = current();
        try {
            return new ServerLog(file, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole log of this container run, start-up and every deployment included. */
    public static ServerLog whole() {
        return new ServerLog(current(), 0);
    }

    /** Everything logged since {@link #fromNow()} (or {@link #whole()}). */
    public String text() {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[(int) Math.max(0, in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines since {@link #fromNow()} that name an exception or a stack frame, or are SEVERE/WARNING records. */
    public List<String> exceptions() {
        return text().lines()
                .filter(line -> line.contains("Exception") || line.contains("Error:") || line.startsWith("\tat ")
                        || line.contains(" SEVERE ") || line.contains(" WARNING ") || line.contains(" WARN ")
                        || line.contains(" ERROR "))
                .toList();
    }

    private static Path current() {
        Path home = Path.of(System.getProperty("container.home"));
        if ("wildfly".equals(System.getProperty("arquillian.launch"))) {
            return home.resolve("standalone/log/server.log");
        }
        Path logs = home.resolve("logs");
        try (Stream<Path> files = Files.list(logs)) {
            return files.filter(path -> path.getFileName().toString().matches("catalina\\..*\\.log"))
                    .max(Comparator.comparing(path -> path.toFile().lastModified()))
                    .orElseThrow(() -> new IllegalStateException("no catalina.*.log in " + logs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

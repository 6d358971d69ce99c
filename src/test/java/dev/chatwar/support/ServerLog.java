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

    /**
     * Everything the container has logged, start-up and every deployment included: all its log files (Tomcat starts
     * a new one at midnight, WildFly rotates its own), oldest first.
     */
    public static String wholeText() {
        StringBuilder text = new StringBuilder();
        for (Path file : files()) {
            try {
                text.append(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)); // never throws on a stray byte
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text.toString();
    }

    /** Everything logged since {@link #fromNow()}. */
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

    /** The file being written now: the newest of {@link #files()}. */
    private static Path current() {
        List<Path> files = files();
        if (files.isEmpty()) {
            throw new IllegalStateException("no container log under " + System.getProperty("container.home"));
        }
        return files.get(files.size() - 1);
    }

    /** The container's log files, oldest first: Tomcat's {@code catalina.<date>.log}, WildFly's {@code server.log*}. */
    private static List<Path> files() {
        Path home = Path.of(System.getProperty("container.home"));
        boolean wildfly = "wildfly".equals(System.getProperty("arquillian.launch"));
        Path logs = home.resolve(wildfly ? "standalone/log" : "logs");
        String name = wildfly ? "server\\.log.*" : "catalina\\..*\\.log";
        try (Stream<Path> files = Files.list(logs)) {
            return files.filter(path -> path.getFileName().toString().matches(name))
                    .sorted(Comparator.comparing(path -> path.toFile().lastModified()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.chatwar.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the chat's own threads in the container are doing, for a failure message: when an expected frame does not
 * come, the writer, heartbeat and control-frame threads' top frames tell a stuck server from a lost frame, even from a CI
 * log that keeps only the test summary. Read with {@code jcmd Thread.print} from the container's JVM (the one whose
 * command line starts Tomcat or WildFly); an empty note when that is not possible.
 */
public final class ServerThreads {
    private static final int FRAMES_PER_THREAD = 3;
    private static final int MAX_THREADS = 12;

    private ServerThreads() {
    }

    /** A few lines, starting with a newline, or an empty string. */
    public static String describe() {
        try {
            Optional<ProcessHandle> container = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(ServerThreads::isContainer).orElse(false))
                    .findFirst();
            if (container.isEmpty()) {
                return "";
            }
            return "\nserver threads (chat-*):" + chatThreads(threadDump(container.get().pid()));
        } catch (IOException | RuntimeException e) {
            return "\n(no server thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static boolean isContainer(String commandLine) {
        return commandLine.contains("org.apache.catalina.startup.Bootstrap") || commandLine.contains("jboss-modules");
    }

    private static String threadDump(long pid) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                .redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        process.waitFor(10, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8);
    }

    /** One line per {@code "chat-…"} thread: name, state, top frames. A dump separates threads with a blank line. */
    private static String chatThreads(String dump) {
        List<String> kept = new ArrayList<>();
        for (String entry : dump.split("\n\\s*\n")) {
            if (entry.startsWith("\"chat-") && kept.size() < MAX_THREADS) {
                List<String> lines = entry.lines().map(String::strip).toList();
                String name = lines.get(0).substring(1, lines.get(0).indexOf('"', 1));
                String state = lines.size() > 1 ? lines.get(1).replace("java.lang.Thread.State: ", "") : "?";
                List<String> top = lines.stream().filter(line -> line.startsWith("at "))
                        .map(line -> line.substring(3).replaceAll("\\(java\\.base@[^/]*/", "("))
                        .filter(frame -> !frame.startsWith("jdk.internal.") && !frame.contains(".locks."))
                        .limit(FRAMES_PER_THREAD).toList();
                kept.add(name + " " + state + ": " + String.join(" < ", top));
            }
        }
        return kept.isEmpty() ? " none" : "\n" + String.join("\n", kept);
    }
}

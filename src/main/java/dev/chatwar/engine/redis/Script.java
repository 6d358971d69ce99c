package dev.chatwar.engine.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One of the engine's Lua scripts (the files beside this class) and, once Redis knows it, its digest. Each runs by
 * its digest, and is sent whole where Redis does not know it (a restarted Redis), then loaded again.
 */
final class Script {
    private final String text;
    private volatile String sha;

    private Script(String text) {
        this.text = text;
    }

    static Script named(String file) {
        try (InputStream in = Script.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException(file + " is missing from the WAR");
            }
            return new Script(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the script ahead of its first use. */
    void load(RedisClusterCommands<String, String> redis) {
        sha = redis.scriptLoad(text);
    }

    static <T> CompletableFuture<T> run(Script script, RedisClusterAsyncCommands<String, String> redis, String[] keys,
                                        String[] args, ScriptOutputType type) {
        String sha = script.sha;
        CompletableFuture<T> byDigest = sha == null
                ? CompletableFuture.failedFuture(new RedisNoScriptException("not loaded yet"))
                : redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return byDigest.exceptionallyCompose(failure -> {
            if (!(unwrap(failure) instanceof RedisNoScriptException)) {
                return CompletableFuture.failedFuture(failure);
            }
            return redis.<T>eval(script.text, type, keys, args).toCompletableFuture()
                    .whenComplete((reply, error) -> {
                        if (error == null) {
                            redis.scriptLoad(script.text).thenAccept(loaded -> script.sha = loaded);
                        }
                    });
        });
    }

    static <T> T run(Script script, RedisClusterCommands<String, String> redis, String[] keys, String[] args,
                     ScriptOutputType type) {
        String sha = script.sha;
        if (sha != null) {
            try {
                return redis.evalsha(sha, type, keys, args);
            } catch (RedisNoScriptException e) {
                // Redis restarted and forgot it: send it whole below
            }
        }
        T reply = redis.eval(script.text, type, keys, args);
        script.sha = redis.scriptLoad(script.text);
        return reply;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}

package dev.chatwar.room;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secrets that let a reconnecting client take over its own place in a room. A token is 128 random bits from
 * {@link SecureRandom}, so it cannot be guessed, and it is only ever sent to the member it belongs to, in its
 * {@code welcome}. It is bound to one member of one room: the room keeps it, and a token is worth nothing elsewhere.
 */
final class ResumeTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private ResumeTokens() {
    }

    /** A fresh token: 22 characters of base64url, safe in a query string as it is. */
    static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    /**
     * What a room files a token under: its SHA-256. A lookup by a presented token then compares digests, so how long
     * it takes tells a guesser nothing about the tokens kept.
     */
    static String key(String token) {
        try {
            return ENCODER.encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}

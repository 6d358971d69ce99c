package dev.chatwar.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/** Tokens as the operator's application would sign them, for tests (nimbus-jose-jwt, as the README's example). */
public final class Tokens {
    /** The HS256 secret of test deployments: 32 bytes. */
    public static final String SECRET = "test-secret-of-at-least-32-bytes";

    private Tokens() {
    }

    /** A token of {@code sub} named {@code name} (null: none), valid for {@code lifetime}, signed with {@link #SECRET}. */
    public static String hs256(String sub, String name, Duration lifetime) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub)
                .expirationTime(Date.from(Instant.now().plus(lifetime)));
        if (name != null) {
            claims.claim("name", name);
        }
        return sign(JWSAlgorithm.HS256, hmac(SECRET.getBytes(StandardCharsets.UTF_8)), claims.build());
    }

    /** A token of a moderator of the rooms {@code mod} names (e.g. {@code "*"}), valid for ten minutes. */
    public static String moderator(String sub, String name, String mod) {
        return sign(JWSAlgorithm.HS256, hmac(SECRET.getBytes(StandardCharsets.UTF_8)), new JWTClaimsSet.Builder()
                .subject(sub).claim("name", name).claim("mod", java.util.List.of(mod))
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10)))).build());
    }

    /** A token with exactly these claims ({@code exp}, {@code nbf}, {@code iat} as {@link Instant}s). */
    public static JWTClaimsSet claims(Map<String, Object> values) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        values.forEach((name, value) -> claims.claim(name, value instanceof Instant instant ? Date.from(instant) : value));
        return claims.build();
    }

    public static String sign(JWSAlgorithm algorithm, JWSSigner signer, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    public static MACSigner hmac(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (com.nimbusds.jose.KeyLengthException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

package dev.chatwar.admission;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Checks the tokens the operator's application signs, with nimbus-jose-jwt: the signature with the one key the chat
 * was given (an HS256 secret, or an RSA or EC public key for RS256 or ES256), and the claims. A token of any other
 * algorithm is refused, {@code none} included, and so is a token signed with a public key used as an HMAC secret
 * (the RS256/HS256 confusion): the algorithm is the key's, never the token's to choose.
 *
 * <p>Claims: {@code sub} (required: the stable user id), {@code exp} (required), {@code nbf} and {@code iat} when
 * present, each with {@link #CLOCK_SKEW} of slack; {@code name} (the display name, else {@code sub}), {@code rooms}
 * and {@code mod} (lists of room names or patterns ending in {@code *}). Other claims are ignored.
 */
public final class TokenVerifier {
    /** How far the application's clock and the chat's may disagree. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /** Shortest HS256 secret accepted: the hash's own length, as RFC 7518 requires. */
    public static final int MIN_SECRET_BYTES = 32;

    /** Why a token was refused; each is the {@code reason} of the 401 answer (README, "Your application's users"). */
    public enum Refusal {
        /** Not a JWT at all. */
        MALFORMED("malformed"),
        /** Signed with another algorithm than the chat's key has, or not signed ({@code none}). */
        WRONG_ALGORITHM("wrong_algorithm"),
        /** The signature does not match the chat's key. */
        BAD_SIGNATURE("bad_signature"),
        EXPIRED("expired"),
        /** Its {@code nbf} or {@code iat} is ahead of the chat's clock by more than the skew. */
        NOT_YET_VALID("not_yet_valid"),
        /** {@code sub} or {@code exp} is missing. */
        MISSING_CLAIMS("missing_claims"),
        /** The chat was given no key: it takes no tokens. */
        NOT_ENABLED("tokens_not_enabled"),
        /** {@code CHAT_TOKEN_REQUIRED=true} and the connection brought none. */
        REQUIRED("token_required");

        private final String code;

        Refusal(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** A token that was refused, and why; its message never holds the token. */
    public static final class RefusedException extends Exception {
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            super(refusal.code(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /**
     * Who a valid token says the user is.
     *
     * @param subject   the stable user id ({@code sub})
     * @param name      the display name ({@code name}, else {@code sub})
     * @param rooms     the private rooms it admits to ({@code rooms}), names or patterns ending in {@code *}
     * @param moderates the rooms its user moderates ({@code mod}), {@code *} for all
     * @param expiresAt when it runs out ({@code exp})
     */
    public record TokenUser(String subject, String name, List<String> rooms, List<String> moderates,
                            Instant expiresAt) {
        public TokenUser {
            rooms = List.copyOf(rooms);
            moderates = List.copyOf(moderates);
        }
    }

    /** A chat given no key: every token is refused with {@link Refusal#NOT_ENABLED}. */
    public static final TokenVerifier NONE = new TokenVerifier(null, null, Clock.systemUTC());

    private final JWSAlgorithm algorithm;
    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Clock clock;

    private TokenVerifier(JWSAlgorithm algorithm, JWKSource<SecurityContext> key, Clock clock) {
        this.algorithm = algorithm;
        this.clock = clock;
        if (algorithm == null) {
            this.processor = null;
            return;
        }
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, key));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, null,
                Set.of("sub", "exp"), null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /**
     * HS256 with a shared secret.
     *
     * @throws IllegalArgumentException when the secret is shorter than {@link #MIN_SECRET_BYTES}
     */
    public static TokenVerifier hmac(byte[] secret, Clock clock) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("an HS256 secret needs at least " + MIN_SECRET_BYTES + " bytes; this one"
                    + " has " + secret.length);
        }
        return new TokenVerifier(JWSAlgorithm.HS256, new ImmutableSecret<>(secret), clock);
    }

    /**
     * RS256 with an RSA public key, or ES256 with an EC key on P-256.
     *
     * @throws IllegalArgumentException for any other key
     */
    public static TokenVerifier publicKey(PublicKey key, Clock clock) {
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new IllegalArgumentException("an RS256 key needs at least 2048 bits; this one has "
                        + rsa.getModulus().bitLength());
            }
            return new TokenVerifier(JWSAlgorithm.RS256,
                    new ImmutableJWKSet<>(new JWKSet(new RSAKey.Builder(rsa).build())), clock);
        }
        if (key instanceof ECPublicKey ec) {
            if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("an ES256 key must be on the curve P-256");
            }
            return new TokenVerifier(JWSAlgorithm.ES256,
                    new ImmutableJWKSet<>(new JWKSet(new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, ec)
                            .build())), clock);
        }
        throw new IllegalArgumentException("not an RSA or EC public key: " + key.getAlgorithm());
    }

    /**
     * The public key of a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo, as
     * {@code openssl pkey -pubout} writes it), RSA or EC.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static TokenVerifier publicKeyPem(String pem, Clock clock) {
        int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        int end = pem.indexOf("-----END PUBLIC KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("no '-----BEGIN PUBLIC KEY-----' block (a certificate or a private key"
                    + " is not taken: give the public key, as openssl pkey -pubout writes it)");
        }
        byte[] der;
        try {
            der = java.util.Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM block is not base64");
        }
        java.security.spec.X509EncodedKeySpec spec = new java.security.spec.X509EncodedKeySpec(der);
        for (String type : List.of("RSA", "EC")) {
            try {
                return publicKey(java.security.KeyFactory.getInstance(type).generatePublic(spec), clock);
            } catch (java.security.spec.InvalidKeySpecException | java.security.NoSuchAlgorithmException notThisType) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("not an RSA or EC public key");
    }

    /** Whether the chat takes tokens at all. */
    public boolean enabled() {
        return processor != null;
    }

    /** The user a token names. @throws RefusedException saying why it is not valid */
    public TokenUser verify(String token) throws RefusedException {
        if (processor == null) {
            throw new RefusedException(Refusal.NOT_ENABLED);
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new RefusedException(Refusal.MALFORMED);
        }
        if (!(jwt instanceof SignedJWT signed) || !algorithm.equals(signed.getHeader().getAlgorithm())) {
            throw new RefusedException(Refusal.WRONG_ALGORITHM);
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(signed, null);
        } catch (ExpiredJWTException e) {
            throw new RefusedException(Refusal.EXPIRED);
        } catch (BadJWSException e) {
            throw new RefusedException(Refusal.BAD_SIGNATURE);
        } catch (BadJWTException e) {
            String message = String.valueOf(e.getMessage());
            throw new RefusedException(message.contains("missing required claims") ? Refusal.MISSING_CLAIMS
                    : message.contains("before use time") || message.contains("issue time")
                    ? Refusal.NOT_YET_VALID : Refusal.MALFORMED);
        } catch (BadJOSEException | JOSEException e) {
            throw new RefusedException(Refusal.BAD_SIGNATURE);
        }
        Instant now = clock.instant();
        if (claims.getIssueTime() != null && claims.getIssueTime().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
            throw new RefusedException(Refusal.NOT_YET_VALID);
        }
        try {
            String name = claims.getStringClaim("name");
            return new TokenUser(claims.getSubject(), name == null || name.isBlank() ? claims.getSubject() : name.strip(),
                    list(claims, "rooms"), list(claims, "mod"), claims.getExpirationTime().toInstant());
        } catch (ParseException e) {
            throw new RefusedException(Refusal.MALFORMED);
        }
    }

    /** A claim that holds a list of strings, or one string; absent: none. */
    private static List<String> list(JWTClaimsSet claims, String name) throws ParseException {
        Object value = claims.getClaim(name);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String one) {
            return List.of(one);
        }
        return claims.getStringListClaim(name);
    }
}

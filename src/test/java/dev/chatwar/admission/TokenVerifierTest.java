package dev.chatwar.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.PlainJWT;
import dev.chatwar.admission.TokenVerifier.Refusal;
import dev.chatwar.admission.TokenVerifier.TokenUser;
import dev.chatwar.support.Tokens;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a token must be for the chat to take it, and what each bad kind of token gets. */
class TokenVerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final byte[] SECRET = Tokens.SECRET.getBytes(StandardCharsets.UTF_8);
    private final TokenVerifier hs256 = TokenVerifier.hmac(SECRET, CLOCK);

    private static Map<String, Object> valid() {
        Map<String, Object> claims = new HashMap<>();
        claims.put("sub", "u-42");
        claims.put("exp", NOW.plusSeconds(300));
        return claims;
    }

    private static String hs(Map<String, Object> claims) {
        return Tokens.sign(JWSAlgorithm.HS256, Tokens.hmac(SECRET), Tokens.claims(claims));
    }

    private Refusal refusal(TokenVerifier verifier, String token) {
        return assertThrows(TokenVerifier.RefusedException.class, () -> verifier.verify(token)).refusal();
    }

    @Test
    void aValidTokenNamesItsUserWithItsRoomsAndModeration() throws Exception {
        Map<String, Object> claims = valid();
        claims.put("name", " Ann ");
        claims.put("rooms", List.of("team-*", "staff"));
        claims.put("mod", "*");
        claims.put("email", "ignored@example.org");
        TokenUser user = hs256.verify(hs(claims));
        assertEquals(new TokenUser("u-42", "Ann", List.of("team-*", "staff"), List.of("*"), NOW.plusSeconds(300)),
                user);
    }

    @Test
    void withoutANameTheUserIsNamedBySub() throws Exception {
        assertEquals("u-42", hs256.verify(hs(valid())).name());
    }

    @Test
    void aSignatureMadeWithAnotherSecretIsRefused() {
        String forged = Tokens.sign(JWSAlgorithm.HS256,
                Tokens.hmac("another-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8)),
                Tokens.claims(valid()));
        assertEquals(Refusal.BAD_SIGNATURE, refusal(hs256, forged));
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String none = new PlainJWT(Tokens.claims(valid())).serialize();
        assertEquals(Refusal.WRONG_ALGORITHM, refusal(hs256, none));
    }

    @Test
    void aTokenOfAnotherAlgorithmIsRefused() throws Exception {
        KeyPair rsa = rsa();
        String rs256 = Tokens.sign(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), Tokens.claims(valid()));
        assertEquals(Refusal.WRONG_ALGORITHM, refusal(hs256, rs256));
        String hs512 = Tokens.sign(JWSAlgorithm.HS512, Tokens.hmac(new byte[64]), Tokens.claims(valid()));
        assertEquals(Refusal.WRONG_ALGORITHM, refusal(hs256, hs512));
    }

    /** The classic confusion: the public key, which everyone may know, used as an HMAC secret. */
    @Test
    void aTokenSignedWithThePublicKeyAsAnHmacSecretIsRefused() throws Exception {
        KeyPair rsa = rsa();
        TokenVerifier rs256 = TokenVerifier.publicKey(rsa.getPublic(), CLOCK);
        String confused = Tokens.sign(JWSAlgorithm.HS256, Tokens.hmac(rsa.getPublic().getEncoded()),
                Tokens.claims(valid()));
        assertEquals(Refusal.WRONG_ALGORITHM, refusal(rs256, confused));
        String pem = pem(rsa);
        String confusedPem = Tokens.sign(JWSAlgorithm.HS256, Tokens.hmac(pem.getBytes(StandardCharsets.US_ASCII)),
                Tokens.claims(valid()));
        assertEquals(Refusal.WRONG_ALGORITHM, refusal(TokenVerifier.publicKeyPem(pem, CLOCK), confusedPem));
    }

    @Test
    void rs256AndEs256TokensAreVerifiedWithTheirPublicKeys() throws Exception {
        KeyPair rsa = rsa();
        String rs256 = Tokens.sign(JWSAlgorithm.RS256, new RSASSASigner(rsa.getPrivate()), Tokens.claims(valid()));
        assertEquals("u-42", TokenVerifier.publicKeyPem(pem(rsa), CLOCK).verify(rs256).subject());
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = generator.generateKeyPair();
        String es256 = Tokens.sign(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) ec.getPrivate()),
                Tokens.claims(valid()));
        assertEquals("u-42", TokenVerifier.publicKeyPem(pem(ec), CLOCK).verify(es256).subject());
        assertEquals(Refusal.BAD_SIGNATURE, refusal(TokenVerifier.publicKeyPem(pem(rsa()), CLOCK), rs256),
                "another key pair's signature");
    }

    @Test
    void anExpiredTokenIsRefusedBeyondTheClockSkewOnly() throws Exception {
        Map<String, Object> claims = valid();
        claims.put("exp", NOW.minusSeconds(10));
        assertEquals("u-42", hs256.verify(hs(claims)).subject(), "within the 30 s of skew");
        claims.put("exp", NOW.minusSeconds(31));
        assertEquals(Refusal.EXPIRED, refusal(hs256, hs(claims)));
    }

    @Test
    void aTokenNotYetValidIsRefusedBeyondTheClockSkew() throws Exception {
        Map<String, Object> claims = valid();
        claims.put("nbf", NOW.plusSeconds(10));
        assertEquals("u-42", hs256.verify(hs(claims)).subject(), "within the 30 s of skew");
        claims.put("nbf", NOW.plusSeconds(60));
        assertEquals(Refusal.NOT_YET_VALID, refusal(hs256, hs(claims)));
        claims.remove("nbf");
        claims.put("iat", NOW.plusSeconds(60));
        assertEquals(Refusal.NOT_YET_VALID, refusal(hs256, hs(claims)), "issued in the future");
    }

    @Test
    void subAndExpAreRequired() {
        Map<String, Object> noSub = valid();
        noSub.remove("sub");
        assertEquals(Refusal.MISSING_CLAIMS, refusal(hs256, hs(noSub)));
        Map<String, Object> noExp = valid();
        noExp.remove("exp");
        assertEquals(Refusal.MISSING_CLAIMS, refusal(hs256, hs(noExp)));
    }

    @Test
    void garbageIsMalformedAndTheRefusalNeverCarriesTheToken() {
        assertEquals(Refusal.MALFORMED, refusal(hs256, "not.a.token"));
        String token = hs(Map.of("sub", "u-1", "exp", NOW.minusSeconds(3600)));
        TokenVerifier.RefusedException refused = assertThrows(TokenVerifier.RefusedException.class,
                () -> hs256.verify(token));
        assertEquals("expired", refused.getMessage());
        assertFalse(String.valueOf(refused).contains(token.substring(0, 20)));
    }

    @Test
    void aChatWithoutAKeyTakesNoToken() {
        assertEquals(Refusal.NOT_ENABLED, refusal(TokenVerifier.NONE, hs(valid())));
        assertFalse(TokenVerifier.NONE.enabled());
    }

    @Test
    void weakKeysAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> TokenVerifier.hmac(new byte[31], CLOCK));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        assertThrows(IllegalArgumentException.class,
                () -> TokenVerifier.publicKey(generator.generateKeyPair().getPublic(), CLOCK));
        assertThrows(IllegalArgumentException.class, () -> TokenVerifier.publicKeyPem("-----BEGIN PRIVATE KEY-----",
                CLOCK));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static String pem(KeyPair pair) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }
}

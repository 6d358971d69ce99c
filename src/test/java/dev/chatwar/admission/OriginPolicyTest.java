package dev.chatwar.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OriginPolicyTest {
    private final OriginPolicy sameOrigin = OriginPolicy.parse("");

    @Test
    void aRequestWithoutOriginIsAlwaysAllowed() {
        assertTrue(sameOrigin.allows(null, "chat.example:8080", false));
        assertTrue(OriginPolicy.parse("https://a.example").allows(null, null, false));
    }

    @ParameterizedTest
    @CsvSource({
            "http://chat.example:8080, chat.example:8080, false, true",
            "http://CHAT.example:8080, chat.example:8080, false, true",
            "http://chat.example:8081, chat.example:8080, false, false",
            "http://evil.example:8080, chat.example:8080, false, false",
            "https://chat.example, chat.example, false, true",
            "http://chat.example, chat.example, true, true",
            "https://chat.example:8443, chat.example, true, false",
            "http://127.0.0.1:8080, 127.0.0.1:8080, false, true",
            "http://localhost:8080, 127.0.0.1:8080, false, false",
            "http://[::1]:8080, [::1]:8080, false, true",
            "null, chat.example, false, false",
            "file://, chat.example, false, false",
            "http://chat.example:8080/, chat.example:8080, false, true"})
    void byDefaultOnlyThePagesOwnHostMayConnect(String origin, String host, boolean secure, boolean allowed) {
        assertEquals(allowed, sameOrigin.allows(origin, host, secure), origin + " against Host " + host);
    }

    @Test
    void withoutAKnownHostSameOriginRefusesBrowsers() {
        assertFalse(sameOrigin.allows("http://chat.example", null, false));
    }

    @Test
    void aListAllowsExactlyItsOriginsDefaultPortsIgnored() {
        OriginPolicy listed = OriginPolicy.parse(" https://a.example:443 , http://b.example:8080 ");
        assertTrue(listed.allows("https://a.example", "anything", false));
        assertTrue(listed.allows("HTTPS://A.EXAMPLE:443", "anything", false));
        assertTrue(listed.allows("http://b.example:8080", "anything", false));
        assertFalse(listed.allows("http://a.example", "a.example", false), "the scheme is part of the origin");
        assertFalse(listed.allows("http://b.example", "b.example", false));
        assertFalse(listed.allows("http://chat.example", "chat.example", false), "a list replaces same-origin");
    }

    @Test
    void aStarAllowsAnyOrigin() {
        OriginPolicy any = OriginPolicy.parse("*");
        assertTrue(any.allowsAnyOrigin());
        assertTrue(any.allows("https://anywhere.example", "chat.example", false));
    }

    @Test
    void canonicalOriginsAreLowerCaseWithoutDefaultPorts() {
        assertEquals(Optional.of("https://a.example"), OriginPolicy.canonical("HTTPS://A.Example:443"));
        assertEquals(Optional.of("http://a.example:8443"), OriginPolicy.canonical("http://a.example:8443"));
        assertEquals(Optional.empty(), OriginPolicy.canonical("ftp://a.example"));
        assertEquals(Optional.empty(), OriginPolicy.canonical("http://user@a.example"));
        assertEquals(Optional.empty(), OriginPolicy.canonical("http://a.example?q"));
    }
}

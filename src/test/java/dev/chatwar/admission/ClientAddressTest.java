package dev.chatwar.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientAddressTest {
    private static final List<Cidr> PROXIES = List.of(Cidr.parse("10.0.0.0/8").orElseThrow(),
            Cidr.parse("2001:db8::/32").orElseThrow(), Cidr.parse("127.0.0.1").orElseThrow());
    private final ClientAddress xff = new ClientAddress(PROXIES, ClientAddress.Header.X_FORWARDED_FOR);
    private final ClientAddress forwarded = new ClientAddress(PROXIES, ClientAddress.Header.FORWARDED);
    private final ClientAddress none = new ClientAddress(List.of(), ClientAddress.Header.X_FORWARDED_FOR);

    @Test
    void anUntrustedPeerIsTheClientWhateverItsHeadersSay() {
        assertEquals("203.0.113.9", xff.resolve("203.0.113.9", List.of("1.2.3.4")));
        assertEquals("203.0.113.9", none.resolve("203.0.113.9", List.of("1.2.3.4")));
        assertEquals("10.1.1.1", none.resolve("10.1.1.1", List.of("1.2.3.4")), "no proxies configured, none trusted");
    }

    @Test
    void aTrustedPeerWithoutHeaderIsTheClient() {
        assertEquals("10.1.1.1", xff.resolve("10.1.1.1", List.of()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "198.51.100.7|198.51.100.7",
            "1.2.3.4, 198.51.100.7|198.51.100.7",
            "198.51.100.7, 10.0.0.5|198.51.100.7",
            "forged, 198.51.100.7, 10.9.9.9, 10.0.0.5|198.51.100.7",
            "10.0.0.7, 10.0.0.5|10.0.0.7",
            "198.51.100.7:4711|198.51.100.7",
            "2001:db9::1|2001:db9::1",
            "[2001:db9::1]:4711|2001:db9::1",
            "198.51.100.7, evil.example|10.1.1.1",
            "198.51.100.7, unknown, 10.0.0.5|10.0.0.5",
            "''|10.1.1.1"})
    void xForwardedForIsReadFromTheRightUntilTheFirstUntrustedHop(String header, String client) {
        assertEquals(client, xff.resolve("10.1.1.1", List.of(header)));
    }

    @Test
    void severalHeaderLinesFormOneChain() {
        assertEquals("198.51.100.7", xff.resolve("10.1.1.1", List.of("1.2.3.4", "198.51.100.7", "10.0.0.5")));
    }

    @Test
    void addressesAreInTheCanonicalFormOfRfc5952() {
        assertEquals("::1", none.resolve("0:0:0:0:0:0:0:1", List.of()), "as Tomcat reports IPv6 loopback");
        assertEquals("2001:db8::1", none.resolve("2001:0DB8:0000:0000:0000:0000:0000:0001", List.of()));
        assertEquals("2001:db8:0:1:1:1:1:1", none.resolve("2001:db8:0:1:1:1:1:1", List.of()), "one zero group stays");
        assertEquals("2001:db8::1:0:0:1", none.resolve("2001:db8:0:0:1:0:0:1", List.of()), "the first of two runs");
        assertEquals("2001:db8::5", xff.resolve("10.1.1.1", List.of("2001:db8:0:0:0:0:0:5")), "forwarded too");
        assertEquals("192.0.2.1", none.resolve("192.0.2.1", List.of()));
    }

    @Test
    void ipv6PeersAndProxiesWork() {
        assertEquals("198.51.100.7", xff.resolve("2001:db8:0:0:0:0:0:5", List.of("198.51.100.7")));
        assertEquals("::1", xff.resolve("0:0:0:0:0:0:0:1", List.of("198.51.100.7")), "::1 not trusted");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "for=198.51.100.7|198.51.100.7",
            "for=1.2.3.4, for=198.51.100.7;proto=https|198.51.100.7",
            "for=\"[2001:db9::1]:4711\"|2001:db9::1",
            "For=\"198.51.100.7:80\";by=10.0.0.1|198.51.100.7",
            "for=_hidden, for=10.0.0.5|10.0.0.5",
            "proto=https|10.1.1.1"})
    void forwardedIsReadTheSameWay(String header, String client) {
        assertEquals(client, forwarded.resolve("10.1.1.1", List.of(header)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/8", "192.168.1.1", "::1", "2001:db8::/32", "0.0.0.0/0", "[::1]"})
    void cidrsAndAddressesParse(String text) {
        assertTrue(Cidr.parse(text).isPresent(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.org", "10.0.0.0/33", "::1/129", "10.0.0/8", "10.0.0.0/x", "", "localhost", "1.2.3.4.5"})
    void anythingElseIsNotACidrAndNeedsNoLookup(String text) {
        assertFalse(Cidr.parse(text).isPresent(), text);
    }

    @Test
    void rangesContainWhatTheyShould() {
        Cidr range = Cidr.parse("10.0.0.0/8").orElseThrow();
        assertTrue(range.contains(Cidr.literal("10.255.0.1").orElseThrow()));
        assertFalse(range.contains(Cidr.literal("11.0.0.1").orElseThrow()));
        assertFalse(range.contains(Cidr.literal("::1").orElseThrow()), "an IPv4 range holds no IPv6 address");
        Cidr host = Cidr.parse("192.0.2.1").orElseThrow();
        assertTrue(host.contains(Cidr.literal("192.0.2.1").orElseThrow()));
        assertFalse(host.contains(Cidr.literal("192.0.2.2").orElseThrow()));
    }
}

package dev.chatwar.admission;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Who the client is, given the peer of the TCP connection and the forwarding headers.
 *
 * <p>Rules: the headers count only when the peer is a trusted proxy ({@code CHAT_TRUSTED_PROXIES}); otherwise they
 * are ignored, whatever they say. When the peer is trusted, the chain of hops is read from the right (the hop nearest
 * to us) and the first address that is not a trusted proxy is the client. If every hop is trusted, the leftmost is the
 * client. An entry that is not an IP address ends the walk: the client is then the last hop that was trusted to
 * report it, never the malformed or forged value. Only the configured header is read ({@code X-Forwarded-For} or
 * {@code Forwarded}), since a proxy that sets one usually passes the other through from the client untouched.
 */
public final class ClientAddress {
    /** Which forwarding header the trusted proxies set. */
    public enum Header {
        X_FORWARDED_FOR("X-Forwarded-For"), FORWARDED("Forwarded");

        private final String headerName;

        Header(String headerName) {
            this.headerName = headerName;
        }

        public String headerName() {
            return headerName;
        }
    }

    private final List<Cidr> trustedProxies;
    private final Header header;

    public ClientAddress(List<Cidr> trustedProxies, Header header) {
        this.trustedProxies = List.copyOf(trustedProxies);
        this.header = header;
    }

    public Header header() {
        return header;
    }

    /**
     * @param peer         the connection's remote address ({@code getRemoteAddr()})
     * @param headerValues every value of the configured forwarding header, in order; empty when absent
     * @return the client's address in the canonical form of RFC 5952 ({@link Cidr#canonical})
     */
    public String resolve(String peer, List<String> headerValues) {
        Optional<InetAddress> peerAddress = Cidr.literal(peer);
        if (peerAddress.isEmpty()) {
            return peer;
        }
        if (!trusted(peerAddress.get()) || headerValues.isEmpty()) {
            return Cidr.canonical(peerAddress.get());
        }
        List<String> hops = new ArrayList<>();
        for (String value : headerValues) {
            for (String element : value.split(",")) {
                hops.add(header == Header.FORWARDED ? forwardedFor(element) : element.trim());
            }
        }
        Collections.reverse(hops);
        InetAddress client = peerAddress.get();
        for (String hop : hops) {
            Optional<InetAddress> address = hop == null ? Optional.empty() : Cidr.literal(stripPort(hop));
            if (address.isEmpty()) {
                break;
            }
            client = address.get();
            if (!trusted(client)) {
                break;
            }
        }
        return Cidr.canonical(client);
    }

    private boolean trusted(InetAddress address) {
        for (Cidr range : trustedProxies) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The {@code for=} value of one {@code Forwarded} element (RFC 7239), unquoted, or null. */
    private static String forwardedFor(String element) {
        for (String pair : element.split(";")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("for")) {
                String value = pair.substring(equals + 1).trim();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    /** {@code 192.0.2.1:4711} and {@code [2001:db8::1]:4711} without the port; a bare IPv6 address as it is. */
    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end < 0 ? hop : hop.substring(0, end + 1);
        }
        int colon = hop.indexOf(':');
        return colon >= 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }
}

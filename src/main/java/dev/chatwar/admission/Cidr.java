package dev.chatwar.admission;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An IP address or a range in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). Parsing never consults DNS:
 * only IP literals are accepted.
 */
public record Cidr(byte[] network, int prefix) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** Parses an address ({@code /32} or {@code /128} implied) or a range; empty when it is neither. */
    public static Optional<Cidr> parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        Optional<InetAddress> address = literal(slash < 0 ? trimmed : trimmed.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = address.get().getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (prefix < 0 || prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Cidr(mask(bytes, prefix), prefix));
    }

    /** An IP literal as an address, without any name lookup; empty for anything else. */
    public static Optional<InetAddress> literal(String text) {
        String candidate = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!IPV4.matcher(candidate).matches() && !IPV6.matcher(candidate).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(candidate)); // a literal: no DNS
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /**
     * An address in the canonical text form of RFC 5952: {@code ::1}, {@code 2001:db8::1} (lower case, no leading
     * zeros, the longest run of zero groups shortened); IPv4 as dotted quad.
     */
    public static String canonical(InetAddress address) {
        return NetUtil.toAddressString(address);
    }

    /**
     * The block of addresses one client is assumed to hold: an IPv4 address alone, an IPv6 address with every address
     * of its {@code /ipv6Prefix} (one subscriber usually gets a whole /64, and picks from it at will), as
     * {@code 2001:db8:1:2::/64}.
     */
    public static String block(InetAddress address, int ipv6Prefix) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return canonical(address);
        }
        try {
            return canonical(InetAddress.getByAddress(mask(bytes, ipv6Prefix))) + "/" + ipv6Prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && java.util.Arrays.equals(mask(bytes, prefix), network);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] masked = bytes.clone();
        for (int bit = prefix; bit < masked.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        return masked;
    }

    @Override
    public String toString() {
        try {
            return canonical(InetAddress.getByAddress(network)) + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}

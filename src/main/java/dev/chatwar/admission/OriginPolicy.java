package dev.chatwar.admission;


import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which page origins may open a socket: any, a fixed list, or (the default) only the host the request was made to.
 *
 * <p>Rules: a request without an {@code Origin} header is allowed, because only browsers send one and a non-browser
 * client can forge it anyway; the check exists to stop other sites' pages from using a visitor's browser. Origins are
 * compared as {@code scheme://host[:port]}, lower case, default ports dropped.
 */
public final class OriginPolicy {
    private final boolean anyOrigin;
    private final Set<String> allowed;

    private OriginPolicy(boolean anyOrigin, Set<String> allowed) {
        this.anyOrigin = anyOrigin;
        this.allowed = Set.copyOf(allowed);
    }

    /**
     * Parses a list of origins ({@code CHAT_ALLOWED_ORIGINS}): blank means same-origin, {@code *} means any.
     *
     * @throws IllegalArgumentException saying which entry is wrong
     */
    public static OriginPolicy parse(String value) {
        String trimmed = value == null ? "" : value.trim();
        if (trimmed.equals("*")) {
            return new OriginPolicy(true, Set.of());
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String entry : trimmed.split(",")) {
            String candidate = entry.trim();
            if (candidate.isEmpty()) {
                continue;
            }
            if (candidate.equals("*")) {
                throw new IllegalArgumentException("'*' must stand alone");
            }
            origins.add(canonical(candidate).orElseThrow(() -> new IllegalArgumentException(
                    "'" + candidate + "' is not an origin of the form http(s)://host[:port]")));
        }
        return new OriginPolicy(false, origins);
    }

    public boolean allowsAnyOrigin() {
        return anyOrigin;
    }

    public boolean isSameOriginOnly() {
        return !anyOrigin && allowed.isEmpty();
    }

    /**
     * @param origin     the {@code Origin} header, or null when absent
     * @param hostHeader the {@code Host} header of the handshake, or null when unknown
     * @param secure     whether the handshake arrived over TLS (gives the default port of a Host without one)
     */
    public boolean allows(String origin, String hostHeader, boolean secure) {
        if (origin == null || anyOrigin) {
            return true;
        }
        Optional<String> canonicalOrigin = canonical(origin.trim());
        if (canonicalOrigin.isEmpty()) {
            return false;
        }
        if (!allowed.isEmpty()) {
            return allowed.contains(canonicalOrigin.get());
        }
        return hostHeader != null && sameHost(URI.create(canonicalOrigin.get()), hostHeader.trim(), secure);
    }

    /**
     * Same origin as the page's host. When the Host header names no port, the origin may use either default port: a
     * TLS-terminating proxy forwards {@code Host: example.org} for a page at {@code https://example.org}.
     */
    private static boolean sameHost(URI origin, String hostHeader, boolean secure) {
        URI host;
        try {
            host = new URI((secure ? "https" : "http") + "://" + hostHeader);
        } catch (URISyntaxException e) {
            return false;
        }
        if (host.getHost() == null || !host.getHost().equalsIgnoreCase(origin.getHost())) {
            return false;
        }
        int originPort = origin.getPort() == -1 ? defaultPort(origin.getScheme()) : origin.getPort();
        return host.getPort() == -1 ? originPort == 80 || originPort == 443 : host.getPort() == originPort;
    }

    /** {@code scheme://host[:port]} in lower case without a default port, or empty if {@code origin} is not one. */
    static Optional<String> canonical(String origin) {
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawUserInfo() != null
                || !bare || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return Optional.empty();
        }
        int port = uri.getPort() == defaultPort(scheme) ? -1 : uri.getPort();
        return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port));
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    @Override
    public String toString() {
        return anyOrigin ? "any origin" : allowed.isEmpty() ? "same origin only" : String.join(", ", allowed);
    }
}

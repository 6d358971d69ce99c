package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Api;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.Http;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.TestClient;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each defence of the README's "Security" section, against the real container. */
@ExtendWith(ArquillianExtension.class)
class SecurityIT {
    private static final String FORGED = "198.51.100.7";

    @Deployment(name = "default", testable = false)
    static WebArchive defaults() {
        return Deployments.chatWar();
    }

    @Deployment(name = "behind-proxy", testable = false)
    static WebArchive behindProxy() {
        return Deployments.chatWarWithSettings("chat-proxied.war", "CHAT_TRUSTED_PROXIES", "127.0.0.1, ::1");
    }

    /**
     * BASIC login from Tomcat's user database. No constraint is put on the socket, so guests may join too; Tomcat's
     * {@code preemptiveAuthentication} authenticates a request that brings credentials anyway.
     */
    @Deployment(name = "login", testable = false)
    static WebArchive withLogin() {
        WebArchive war = Deployments.chatWarWithWebXml("chat-login.war", """
                  <login-config><auth-method>BASIC</auth-method><realm-name>chat</realm-name></login-config>
                  <security-role><role-name>chat-user</role-name></security-role>
                  <security-role><role-name>chat-moderator</role-name></security-role>
                  <security-role><role-name>chat-private</role-name></security-role>
                  <security-role><role-name>chat-api</role-name></security-role>
                """, "CHAT_PRIVATE_ROOMS", "staff", "CHAT_API_LOGINS", "true");
        return war.addAsManifestResource(new StringAsset("<Context preemptiveAuthentication=\"true\"/>"), "context.xml");
    }

    @Test
    void aForgedForwardingHeaderFromAnUntrustedPeerChangesNothing(
            @ArquillianResource @OperateOnDeployment("default") URL base) throws Exception {
        try (TestClient client = TestClient.connectWithHeaders(chatUri(base, "xff", "eve"),
                Map.of("X-Forwarded-For", FORGED, "Forwarded", "for=" + FORGED), true)) {
            assertEquals("127.0.0.1", client.next("welcome").path("you").path("address").asText());
        }
    }

    @Test
    void aTrustedProxysForwardingHeaderNamesTheClient(
            @ArquillianResource @OperateOnDeployment("behind-proxy") URL base) throws Exception {
        try (TestClient client = TestClient.connectWithHeaders(chatUri(base, "xff", "carol"),
                Map.of("X-Forwarded-For", "10.9.9.9, " + FORGED), true)) {
            assertEquals(FORGED, client.next("welcome").path("you").path("address").asText(),
                    "the rightmost hop that is not a trusted proxy");
        }
    }

    /**
     * One IPv6 subscriber holds a whole /64: counted by address, it could open connections from fresh addresses until
     * the node is full. Counted by prefix, the 21st connection from one /64 is refused like the 21st from one IPv4
     * address; the next /64 is another client. Addresses are shown in the short form of RFC 5952.
     */
    @Test
    void connectionsFromOneIpv6PrefixCountAsOneClient(
            @ArquillianResource @OperateOnDeployment("behind-proxy") URL base) throws Exception {
        List<RawWebSocket> open = new ArrayList<>();
        try {
            for (int i = 1; i <= 20; i++) {
                RawWebSocket member = RawWebSocket.openWithHeaders(base, "room=v6&name=m",
                        Map.of("X-Forwarded-For", "2001:db8:1:2::" + Integer.toHexString(i)));
                open.add(member);
                assertEquals(101, member.status(), "connection " + i);
            }
            RawWebSocket refused = RawWebSocket.openWithHeaders(base, "room=v6&name=m",
                    Map.of("X-Forwarded-For", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
            open.add(refused);
            assertEquals(429, refused.status(), "the 21st from one /64, from an address not used before");
            try (TestClient neighbour = TestClient.connectWithHeaders(chatUri(base, "v6", "n"),
                    Map.of("X-Forwarded-For", "2001:0DB8:0001:0003:0000:0000:0000:0001"), true)) {
                assertEquals("2001:db8:1:3::1", neighbour.next("welcome").path("you").path("address").asText(),
                        "another /64, in its short form");
            }
        } finally {
            for (RawWebSocket member : open) {
                member.close();
            }
        }
    }

    @Test
    void onlyTheConfiguredForwardingHeaderIsRead(@ArquillianResource @OperateOnDeployment("behind-proxy") URL base)
            throws Exception {
        // CHAT_FORWARDED_HEADER defaults to X-Forwarded-For: a Forwarded header a client slipped past the proxy is ignored.
        try (TestClient client = TestClient.connectWithHeaders(chatUri(base, "xff", "dave"),
                Map.of("Forwarded", "for=" + FORGED), true)) {
            assertEquals("127.0.0.1", client.next("welcome").path("you").path("address").asText());
        }
    }

    @Test
    void aFloodGetsRateLimitedThenClosedAndOthersSeeOnlyWhatWasAllowed(
            @ArquillianResource @OperateOnDeployment("default") URL base) throws Exception {
        try (TestClient flooder = TestClient.join(chatUri(base, "flood", "flooder")).client();
             TestClient bystander = TestClient.join(chatUri(base, "flood", "bystander")).client()) {
            flooder.next("join");
            flooder.next("join");
            bystander.next("join");
            try {
                for (int i = 0; i < 200 && flooder.isOpen(); i++) {
                    flooder.sendMessage("flood " + i);
                }
            } catch (IOException | IllegalStateException e) {
                // the server closed the flooder between two sends (Tyrus says so with either, depending on when it
                // noticed): that is the close asserted below
            }
            CloseReason reason = flooder.awaitClose();
            assertEquals(1008, reason.getCloseCode().getCode(), reason.toString());
            assertTrue(reason.getReasonPhrase().contains("flooding"), reason.getReasonPhrase());

            Set<String> echoed = new HashSet<>();
            int rateLimited = 0;
            for (String frame : flooder.drain()) {
                JsonNode event = new com.fasterxml.jackson.databind.ObjectMapper().readTree(frame);
                if (event.path("type").asText().equals("message")) {
                    echoed.add(event.path("text").asText());
                } else if (event.path("code").asText().equals("rate_limited")) {
                    rateLimited++;
                }
            }
            assertTrue(rateLimited > 0, "refused frames were answered with rate_limited");
            assertTrue(echoed.size() <= 25, "about the burst of 20 got through, not " + echoed.size());

            // The room's order puts the flooder's leave after every message it was allowed to say.
            Set<String> seenByBystander = new HashSet<>();
            for (JsonNode event = bystander.next(); !event.path("type").asText().equals("leave"); event = bystander.next()) {
                assertEquals("message", event.path("type").asText(), event.toString());
                seenByBystander.add(event.path("text").asText());
            }
            assertEquals(echoed, seenByBystander, "the bystander got exactly the allowed messages, none of the refused");
            try (TestClient late = TestClient.join(chatUri(base, "flood", "late")).client()) {
                assertTrue(late.isOpen(), "the room still works");
            }
        }
    }

    @Test
    void theConnectionAfterTheLimitPerAddressIsRefusedUntilOneCloses(
            @ArquillianResource @OperateOnDeployment("default") URL base) throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                clients.add(TestClient.join(chatUri(base, "crowd-limit", "c" + i)).client());
            }
            DeploymentException refused = assertThrows(DeploymentException.class,
                    () -> TestClient.connect(chatUri(base, "crowd-limit", "c20")).close());
            assertTrue(String.valueOf(refused.getMessage() + refused.getCause()).contains("429"), refused.toString());

            clients.remove(0).close();
            TestClient next = awaitAdmitted(chatUri(base, "crowd-limit", "c20"));
            clients.add(next);
        } finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void theAuthenticatedUsersNameIsTheirsAndGuestsAskingForItGetASuffix(
            @ArquillianResource @OperateOnDeployment("login") URL base) throws Exception {
        assumeTrue("tomcat".equals(System.getProperty("arquillian.launch")),
                "uses Tomcat's user database and preemptiveAuthentication");
        String credentials = Base64.getEncoder().encodeToString("alice:wonderland".getBytes(StandardCharsets.UTF_8));
        try (TestClient alice = TestClient.connectWithHeaders(chatUri(base, "auth", "mallory"),
                Map.of("Authorization", "Basic " + credentials), false)) {
            JsonNode you = alice.next("welcome").path("you");
            assertEquals("alice", you.path("name").asText(), "the principal, not the name parameter");
            assertTrue(you.path("verified").asBoolean());
            try (TestClient guest = TestClient.connect(chatUri(base, "auth", "alice"))) {
                JsonNode guestYou = guest.next("welcome").path("you");
                assertEquals("alice (2)", guestYou.path("name").asText());
                assertFalse(guestYou.has("verified"));
            }
        }
    }

    /** The container's roles: {@code chat-private} admits to every private room, {@code chat-moderator} moderates. */
    @Test
    void aLoginsRolesAdmitItToPrivateRoomsAndMakeItAModerator(
            @ArquillianResource @OperateOnDeployment("login") URL base) throws Exception {
        assumeTrue("tomcat".equals(System.getProperty("arquillian.launch")),
                "uses Tomcat's user database and preemptiveAuthentication");
        String alice = Base64.getEncoder().encodeToString("alice:wonderland".getBytes(StandardCharsets.UTF_8));
        try (RawWebSocket refused = RawWebSocket.openWithHeaders(base, "room=staff",
                Map.of("Authorization", "Basic " + alice))) {
            assertEquals(403, refused.status(), "a login without chat-private");
            assertEquals("{\"error\":\"forbidden\",\"reason\":\"private_room\"}", refused.body());
        }
        String mo = Base64.getEncoder().encodeToString("mo:moderates".getBytes(StandardCharsets.UTF_8));
        try (TestClient moderator = TestClient.connectWithHeaders(chatUri(base, "staff", null),
                Map.of("Authorization", "Basic " + mo), false)) {
            JsonNode you = moderator.next("welcome").path("you");
            assertEquals("mo", you.path("name").asText());
            assertTrue(you.path("moderator").asBoolean(), you.toString());
        }
    }

    /**
     * A login with the role {@code chat-api} may call the server API with its credentials in the request; the same
     * login sent by a browser page (with {@code Origin} or {@code Sec-Fetch-Site}), or a login without the role, may
     * not: a moderator's browser cannot be made to call the API from another site.
     */
    @Test
    void aLoginWithTheApiRoleCallsTheApiButNotFromABrowserPage(
            @ArquillianResource @OperateOnDeployment("login") URL base) throws Exception {
        assumeTrue("tomcat".equals(System.getProperty("arquillian.launch")),
                "uses Tomcat's user database and preemptiveAuthentication");
        String backend = "Basic " + Base64.getEncoder().encodeToString(
                "backend:calls-the-api".getBytes(StandardCharsets.UTF_8));
        String mo = "Basic " + Base64.getEncoder().encodeToString("mo:moderates".getBytes(StandardCharsets.UTF_8));
        Api.Answer allowed = Api.call(base, "rooms", "{}", Map.of("Authorization", backend), "application/json");
        assertEquals(200, allowed.status(), allowed.toString());
        assertEquals(403, Api.call(base, "rooms", "{}", Map.of("Authorization", mo), "application/json").status(),
                "a login without chat-api");
        assertEquals(403, Api.call(base, "rooms", "{}", Map.of("Authorization", backend,
                "Origin", "https://evil.example"), "application/json").status(), "from a browser page");
        assertEquals(403, Api.call(base, "rooms", "{}", Map.of("Authorization", backend,
                "Sec-Fetch-Site", "cross-site"), "application/json").status(), "from a browser page");
        assertEquals(403, Api.call(base, "rooms", "{}", Map.of("Authorization", backend,
                "Cookie", "JSESSIONID=0123456789ABCDEF"), "application/json").status(),
                "a session could vouch for the login without its password: never with one");
        int wrongPassword = Api.call(base, "rooms", "{}", Map.of("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("backend:wrong".getBytes(StandardCharsets.UTF_8))), "application/json").status();
        assertTrue(wrongPassword == 401 || wrongPassword == 403,
                "a wrong password: Tomcat's preemptive authentication answers 401 itself, the API 403: " + wrongPassword);
        assertEquals(401, Api.call(base, "rooms", "{}", Map.of(), "application/json").status(), "no credentials");
        assertEquals(403, Api.call(base, "rooms", "{}", Map.of("Authorization", "Bearer guess-0123456789-0123456789-0123"),
                "application/json").status(), "no key is configured here, so no key is right");
    }

    @Test
    void thePageAndItsAssetsCarryTheSecurityHeaders(@ArquillianResource @OperateOnDeployment("default") URL base)
            throws Exception {
        for (String path : List.of("", "chat.js", "chat.css", "health")) {
            HttpResponse<String> response = Http.get(URI.create(base + path));
            assertEquals(200, response.statusCode(), path);
            String policy = response.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'")
                    && policy.contains("connect-src 'self' ws://" + base.getHost() + ":" + base.getPort()), policy);
            assertFalse(policy.contains("unsafe-inline"), policy);
            assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("no-referrer", response.headers().firstValue("Referrer-Policy").orElse(""), path);
        }
        String page = Http.get(URI.create(base.toString())).body();
        assertFalse(page.contains("<script>") || page.contains("style="), "no inline script or style in the page");
    }

    /** Closing is asynchronous on the server: retry the handshake until the released place is seen, within the timeout. */
    private static TestClient awaitAdmitted(URI uri) throws Exception {
        long deadline = System.nanoTime() + TestClient.TIMEOUT.toNanos();
        while (true) {
            try {
                return TestClient.join(uri).client();
            } catch (DeploymentException stillFull) {
                if (System.nanoTime() > deadline) {
                    throw stillFull;
                }
            }
        }
    }
}

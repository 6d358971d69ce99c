package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.support.Deployments;
import dev.chatwar.support.TestClient;
import jakarta.websocket.DeploymentException;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The origin policy, enforced before the upgrade: the default (same origin only) on the plain WAR, and an explicit
 * list given as a context-param on a second deployment.
 */
@ExtendWith(ArquillianExtension.class)
class OriginIT {
    static final String LISTED = "https://chat.example.org";

    @Deployment(name = "default", testable = false)
    static WebArchive defaultPolicy() {
        return Deployments.chatWar();
    }

    @Deployment(name = "listed", testable = false)
    static WebArchive listedOrigins() {
        return Deployments.chatWarWithSettings("chat-listed.war", "CHAT_ALLOWED_ORIGINS", LISTED + ", http://other.example");
    }

    @Test
    void samePageOriginConnects(@ArquillianResource @OperateOnDeployment("default") URL base) throws Exception {
        String sameOrigin = "http://" + base.getHost() + ":" + base.getPort();
        try (TestClient client = TestClient.connect(chatUri(base, "origin", "same"), sameOrigin)) {
            assertEquals("same", client.next("welcome").path("you").path("name").asText());
        }
    }

    @Test
    void foreignOriginIsRefusedBeforeTheUpgrade(@ArquillianResource @OperateOnDeployment("default") URL base) {
        assertRefused(base, "http://evil.example");
        assertRefused(base, "http://" + base.getHost() + ":" + (base.getPort() + 1));
        assertRefused(base, "null");
    }

    @Test
    void requestWithoutOriginConnects(@ArquillianResource @OperateOnDeployment("default") URL base) throws Exception {
        try (TestClient client = TestClient.connect(chatUri(base, "origin", "cli"), null)) {
            assertEquals("cli", client.next("welcome").path("you").path("name").asText());
        }
    }

    @Test
    void listedOriginConnectsAndOthersAreRefused(@ArquillianResource @OperateOnDeployment("listed") URL base)
            throws Exception {
        try (TestClient client = TestClient.connect(chatUri(base, "origin", "listed"), LISTED)) {
            assertEquals("listed", client.next("welcome").path("you").path("name").asText());
        }
        assertRefused(base, "http://" + base.getHost() + ":" + base.getPort());
        assertRefused(base, "https://evil.example");
    }

    private static void assertRefused(URL base, String origin) {
        DeploymentException refused = assertThrows(DeploymentException.class,
                () -> TestClient.connect(chatUri(base, "origin", "refused"), origin).close(), origin);
        // Refused before the upgrade: Tomcat answers 403, WildFly (Undertow) 404.
        String status = String.valueOf(refused.getMessage()) + refused.getCause();
        assertTrue(status.contains("403") || status.contains("404"),
                () -> "expected HTTP 403 or 404 for " + origin + ", got " + status);
    }
}

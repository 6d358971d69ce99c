package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.support.Deployments;
import dev.chatwar.support.ServerLog;
import dev.chatwar.support.TestClient;
import jakarta.websocket.CloseReason;
import java.net.URL;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Undeploying closes every member with 1001 and leaves nothing behind that the container would report as a leak.
 * Which side sends the 1001 depends on the container: Tomcat's own WebSocket listener stops before ours and closes the
 * sessions itself ("The web application is stopping"); the chat's shutdown closes whatever is still open.
 */
@ExtendWith(ArquillianExtension.class)
class ShutdownIT {

    @Deployment(name = "anchor", testable = false)
    static WebArchive anchor() {
        return Deployments.chatWar();
    }

    @Deployment(name = "stoppable", managed = false, testable = false)
    static WebArchive stoppable() {
        return Deployments.chatWarWithSettings("chat-stoppable.war");
    }

    @ArquillianResource
    Deployer deployer;

    @Test
    void undeployClosesEveryMemberGoingAwayAndLeaksNothing(@ArquillianResource @OperateOnDeployment("anchor") URL anchor)
            throws Exception {
        URL base = new URL(anchor, "/chat-stoppable/");
        deployer.deploy("stoppable");
        ServerLog log = ServerLog.fromNow();
        TestClient alice = TestClient.join(chatUri(base, "a", "alice")).client();
        TestClient bob = TestClient.join(chatUri(base, "b", "bob")).client();
        alice.sendMessage("about to go");
        alice.next("join");
        alice.next("message");

        deployer.undeploy("stoppable");

        for (TestClient member : List.of(alice, bob)) {
            CloseReason reason = member.awaitClose();
            assertEquals(1001, reason.getCloseCode().getCode(), reason.toString());
        }
        // Tomcat 11 sometimes names a thread of its own utility executor (Catalina-utility-N), which it started while
        // running our context's background work with our class loader current; that thread is the container's.
        String logged = log.text().replaceAll(
                "(?m)^.*appears to have started a thread named \\[Catalina-utility-\\d+\\].*\\R(?:^ .*\\R)*", "");
        assertTrue(logged.contains("chat stopped"), logged);
        assertTrue(!logged.contains("appears to have started a thread") && !logged.contains("ThreadLocal")
                && !logged.contains("memory leak"), "no leak reported on undeploy:\n" + logged);
        assertEquals(List.of(), log.exceptions());
    }
}

package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Browser;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.TcpProxy;
import dev.chatwar.support.TestClient;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page through a dropped connection and a server restart, in a real browser: every message shown exactly once,
 * in order; text typed while offline delivered once; the page says when history was lost.
 */
@ExtendWith(ArquillianExtension.class)
class ReconnectPageIT {

    @Deployment(name = "chat", testable = false)
    static WebArchive war() {
        return Deployments.chatWar();
    }

    @Deployment(name = "restartable", managed = false, testable = false)
    static WebArchive restartable() {
        return Deployments.chatWarWithSettings("chat-restart.war");
    }

    @ArquillianResource
    Deployer deployer;

    /** The page's URL through the proxy, so cutting the proxy cuts that browser's socket. */
    private static String viaProxy(TcpProxy proxy, URL base, String room) {
        return "http://127.0.0.1:" + proxy.port() + base.getPath() + "?room=" + room;
    }

    private static List<String> shownMessages(Browser browser) {
        return browser.findAll("#messages li.message:not(.pending) .text").stream().map(WebElement::getText).toList();
    }

    private static void awaitMessages(Browser browser, List<String> expected) {
        new WebDriverWait(browser.driver(), TestClient.TIMEOUT.multipliedBy(2))
                .until(d -> shownMessages(browser).size() >= expected.size());
        assertEquals(expected, shownMessages(browser), "each message once, in order");
    }

    @Test
    void aDroppedConnectionRecoversEveryMessageOnceInOrder(@ArquillianResource @OperateOnDeployment("chat") URL base)
            throws Exception {
        try (TcpProxy proxy = new TcpProxy(base.getHost(), base.getPort());
             Browser bob = new Browser("en-US");
             TestClient alice = TestClient.join(chatUri(base, "recover", "alice")).client()) {
            bob.enter(viaProxy(proxy, base, "recover"), "bob");
            alice.sendMessage("before");
            awaitMessages(bob, List.of("before"));

            proxy.cut();
            bob.awaitStatus("offline");
            for (int i = 1; i <= 3; i++) {
                alice.sendMessage("while away " + i);
            }
            proxy.restore();
            bob.awaitStatus("online");
            awaitMessages(bob, List.of("before", "while away 1", "while away 2", "while away 3"));
            bob.awaitText("#messages li.notice", "nothing was missed");

            alice.sendMessage("after");
            awaitMessages(bob, List.of("before", "while away 1", "while away 2", "while away 3", "after"));
        }
    }

    @Test
    void aPageWhoseOldConnectionLingersComesBackUnderItsOwnNameUnannounced(
            @ArquillianResource @OperateOnDeployment("chat") URL base) throws Exception {
        try (TcpProxy proxy = new TcpProxy(base.getHost(), base.getPort());
             Browser bob = new Browser("en-US");
             TestClient alice = TestClient.join(chatUri(base, "resume-page", "alice")).client()) {
            alice.next("join");
            bob.enter(viaProxy(proxy, base, "resume-page"), "bob");
            alice.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("bob")); // the page first joined unnamed
            alice.sendMessage("before");
            awaitMessages(bob, List.of("before"));

            proxy.strand(); // bob's network is gone; the server still holds his old connection, alive to it
            bob.awaitText("#messages li.notice", "nothing was missed");
            alice.sendMessage("after");
            awaitMessages(bob, List.of("before", "after"));

            List<String> aliceSawOfBob = new ArrayList<>();
            for (JsonNode event = alice.next(); !event.path("text").asText().equals("after"); event = alice.next()) {
                if (event.path("user").path("name").asText().equals("bob")) {
                    aliceSawOfBob.add(event.path("type").asText());
                }
            }
            assertEquals(List.of(), aliceSawOfBob, "alice saw bob neither leave nor join again");
            List<String> listed = bob.findAll("#members li .name").stream().map(WebElement::getText).toList();
            assertEquals(List.of("alice", "bob (you)"), listed.stream().sorted().toList(),
                    "bob is back as bob, listed once");
        }
    }

    @Test
    void textTypedWhileOfflineIsPendingThenDeliveredOnce(@ArquillianResource @OperateOnDeployment("chat") URL base)
            throws Exception {
        try (TcpProxy proxy = new TcpProxy(base.getHost(), base.getPort());
             Browser bob = new Browser("en-US");
             TestClient alice = TestClient.join(chatUri(base, "outbox", "alice")).client()) {
            bob.enter(viaProxy(proxy, base, "outbox"), "bob");
            proxy.cut();
            bob.awaitStatus("offline");
            WebElement input = bob.find("#message");
            input.sendKeys("from the outbox");
            input.sendKeys(Keys.ENTER);
            WebElement pending = bob.awaitText("#messages li.pending", "from the outbox");
            assertTrue(pending.getText().contains("sending"), pending.getText());

            proxy.restore();
            awaitMessages(bob, List.of("from the outbox"));
            assertEquals(0, bob.findAll("#messages li.pending").size(), "delivered, no longer pending");
            assertEquals("from the outbox", alice.nextMatching(f -> f.path("type").asText().equals("message"))
                    .path("text").asText());
            alice.sendMessage("sentinel");
            assertEquals("sentinel", alice.nextMatching(f -> f.path("type").asText().equals("message"))
                    .path("text").asText(), "alice got the outbox message exactly once");
        }
    }

    @Test
    void typingShowsForTheOtherUserAndExpires(@ArquillianResource @OperateOnDeployment("chat") URL base) {
        try (Browser alice = new Browser("en-US"); Browser bob = new Browser("en-US")) {
            alice.enter(base + "?room=typing", "alice");
            bob.enter(base + "?room=typing", "bob");
            alice.find("#message").sendKeys("hel");
            new WebDriverWait(bob.driver(), TestClient.TIMEOUT)
                    .until(d -> d.findElement(By.id("typing")).getText().equals("alice is typing…"));
            assertEquals("", alice.find("#typing").getText(), "nobody is told about their own typing");
            new WebDriverWait(bob.driver(), TestClient.TIMEOUT)
                    .until(d -> d.findElement(By.id("typing")).getText().isEmpty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void afterARestartBothPagesReconnectAndSayHistoryWasLost(
            @ArquillianResource @OperateOnDeployment("chat") URL anchor) throws Exception {
        URL base = new URL(anchor, "/chat-restart/");
        deployer.deploy("restartable");
        try (Browser alice = new Browser("en-US"); Browser bob = new Browser("zh-CN")) {
            alice.enter(base + "?room=restart", "alice");
            bob.enter(base + "?room=restart", "bob");
            WebElement input = alice.find("#message");
            input.sendKeys("before the restart");
            input.sendKeys(Keys.ENTER);
            awaitMessages(bob, List.of("before the restart"));

            deployer.undeploy("restartable");
            alice.awaitStatus("offline");
            bob.awaitStatus("offline");
            deployer.deploy("restartable");

            new WebDriverWait(alice.driver(), TestClient.TIMEOUT.multipliedBy(3))
                    .until(d -> "online".equals(d.findElement(By.id("status")).getAttribute("data-state")));
            new WebDriverWait(bob.driver(), TestClient.TIMEOUT.multipliedBy(3))
                    .until(d -> "online".equals(d.findElement(By.id("status")).getAttribute("data-state")));
            alice.awaitText("#messages li.gap", "some messages may be missing");
            bob.awaitText("#messages li.gap", "可能缺少部分消息");
            assertEquals(List.of("before the restart"), shownMessages(bob), "what was shown stays, once");
            bob.screenshot("page-zh-after-restart");
        } finally {
            deployer.undeploy("restartable");
        }
    }
}

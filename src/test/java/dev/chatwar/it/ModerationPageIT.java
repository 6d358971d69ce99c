package dev.chatwar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.support.Browser;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.Tokens;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Moderation in a real browser (headless Chromium): a moderator, known by its token's {@code mod} claim, removes a
 * message from its page, and the other members' pages show "message removed" where the message stood, its text gone.
 */
@ExtendWith(ArquillianExtension.class)
class ModerationPageIT {
    static final String ROOM = "modpage";

    @Deployment(testable = false)
    static WebArchive withTokens() {
        return Deployments.chatWarWithSettings("chat-moderation-page.war", "CHAT_TOKEN_SECRET", Tokens.SECRET);
    }

    @ArquillianResource
    URL base;

    /** What the page's {@code #messages} holds as text, hidden or not: what a removal must take out of the DOM. */
    private static String messagesText(Browser browser) {
        return (String) browser.driver().executeScript("return document.getElementById('messages').textContent");
    }

    @Test
    void aModeratorRemovesAMessageFromItsPageAndTheOtherPageShowsMessageRemovedInItsPlace() throws Exception {
        try (Browser ann = new Browser("en-US"); Browser mo = new Browser("en-US")) {
            ann.enter(base + "?room=" + ROOM, "ann"); // a guest: no hook, no token

            // The moderator's page, embedded as TokenPageIT's: the application's hook hands the page its token.
            mo.open(base + "?room=" + ROOM);
            mo.awaitStatus("online");
            mo.driver().executeScript("window.chat = { getToken: () => Promise.resolve(arguments[0]) };",
                    Tokens.moderator("m-page", "Mo", "*"));
            mo.find("#join").click();
            mo.awaitText("#members li", "Mo");
            // Only a welcome saying "moderator" gives the page its controls on the other members.
            mo.awaitText("#members li[data-name='ann']", "ann");
            new WebDriverWait(mo.driver(), TestClient.TIMEOUT)
                    .until(d -> !d.findElements(By.cssSelector("#members li[data-name='ann'] .mod-actions")).isEmpty());

            ann.find("#message").sendKeys("buy cheap pills");
            ann.find("#send").click();
            String id = ann.awaitText("#messages li.message:not(.pending)", "buy cheap pills").getAttribute("data-id");
            assertTrue(id != null && !id.isEmpty(), "the confirmed line carries the message's id");
            assertTrue(messagesText(ann).contains("buy cheap pills"), "shown before the removal");
            assertEquals(0, ann.findAll("#messages .mod-remove").size(), "a guest is offered no remove button");
            assertEquals(0, ann.findAll("#members .mod-actions").size(), "nor mute, kick or ban");

            WebElement remove = new WebDriverWait(mo.driver(), TestClient.TIMEOUT).until(d -> d.findElements(
                    By.cssSelector("#messages li.message[data-id='" + id + "'] button.mod-remove")).stream()
                    .findFirst().orElse(null));
            remove.click();

            WebElement removed = ann.awaitText("#messages li.removed[data-id='" + id + "']", "message removed");
            assertEquals("message removed", removed.findElement(By.cssSelector(".text")).getText());
            assertEquals(0, ann.findAll("#messages li.message[data-id='" + id + "']").size(),
                    "the message's line was replaced");
            assertFalse(messagesText(ann).contains("buy cheap pills"), "the removed text left the DOM: "
                    + messagesText(ann));
            assertEquals(0, ann.findAll("#messages .mod-remove").size(), "still no remove button for a guest");

            mo.awaitText("#messages li.removed[data-id='" + id + "']", "message removed");
            assertFalse(messagesText(mo).contains("buy cheap pills"), "gone from the moderator's page too");
            ann.screenshot("page-moderation-removed");
        }
    }
}

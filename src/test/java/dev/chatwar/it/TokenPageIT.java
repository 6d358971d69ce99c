package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Browser;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.Tokens;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page embedded by an application that signs its users' tokens: it asks the application's
 * {@code window.chat.getToken} hook for a token, and when the token expires (4011) asks again and comes back at once,
 * with nothing missed and nothing seen by the others.
 */
@ExtendWith(ArquillianExtension.class)
class TokenPageIT {

    @Deployment(testable = false)
    static WebArchive withTokens() {
        return Deployments.chatWarWithSettings("chat-tokens.war", "CHAT_TOKEN_SECRET", Tokens.SECRET);
    }

    @ArquillianResource
    URL base;

    @Test
    void thePageRenewsAnExpiredTokenThroughTheApplicationsHookAndMissesNothing() throws Exception {
        try (Browser page = new Browser("en-US")) {
            page.open(base + "?room=page-renew");
            page.awaitStatus("online"); // a guest, before the application gave the page its hook
            // What an embedding application does: a hook that returns its user's current token. Here the first one
            // runs out in 4 s and the second lasts; the page asks once per connection.
            page.driver().executeScript("window.tokens = arguments; window.asked = 0;"
                            + " window.chat = { getToken: () => Promise.resolve(window.tokens[Math.min(window.asked++, 1)]) };",
                    Tokens.hs256("u-ann", "ann", Duration.ofSeconds(4)),
                    Tokens.hs256("u-ann", "ann", Duration.ofMinutes(5)));
            page.find("#join").click();
            page.awaitText("#members li", "ann");
            try (TestClient bob = TestClient.connect(chatUri(base, "page-renew", "bob"), null)) {
                bob.next("welcome");
                bob.next("join"); // his own
                new WebDriverWait(page.driver(), Duration.ofSeconds(20)).until(d -> ((Number) page.driver()
                        .executeScript("return window.asked")).intValue() >= 2
                        && "online".equals(d.findElement(org.openqa.selenium.By.id("status"))
                        .getAttribute("data-state")));
                bob.sendMessage("after the renewal");
                page.awaitText("#messages li.message .text", "after the renewal");
                page.find("#message").sendKeys("still here", Keys.ENTER);
                List<String> atBob = new ArrayList<>();
                JsonNode frame;
                do { // typing notices come and go as she types; they take no place in the room's order
                    frame = bob.nextMatching(f -> !f.path("type").asText().equals("typing"));
                    atBob.add(frame.path("type").asText() + " " + frame.path("text").asText());
                } while (!frame.path("text").asText().equals("still here"));
                assertEquals(List.of("message after the renewal", "message still here"), atBob,
                        "bob saw no leave and no join of ann's");
                assertEquals("ann", frame.path("user").path("name").asText());
                assertEquals(true, frame.path("user").path("verified").asBoolean());
            }
        }
    }
}

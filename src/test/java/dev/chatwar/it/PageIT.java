package dev.chatwar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.support.Browser;
import dev.chatwar.support.Deployments;
import java.net.URL;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;

/** The page in a real browser (headless Chromium): two people chat, text stays text, the language follows the browser. */
@ExtendWith(ArquillianExtension.class)
class PageIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWar();
    }

    @ArquillianResource
    URL base;

    private static void say(Browser browser, String text) {
        WebElement input = browser.find("#message");
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
    }

    private static List<String> texts(Browser browser, String css) {
        return browser.findAll(css).stream().map(WebElement::getText).toList();
    }

    @Test
    void twoPeopleChatAndEachSeesTheOthersMessageOnceWithItsSender() throws Exception {
        try (Browser alice = new Browser("en-US"); Browser bob = new Browser("en-US")) {
            alice.enter(base + "?room=page-two", "alice");
            bob.enter(base + "?room=page-two", "bob");
            alice.awaitText("#messages li", "bob joined the room");

            say(alice, "hello bob");
            bob.awaitText("#messages li.message:not(.pending)", "hello bob");
            say(bob, "hi alice");
            alice.awaitText("#messages li.message:not(.pending)", "hi alice");
            bob.awaitText("#messages li.message:not(.pending)", "hi alice");

            assertEquals(List.of("alice:", "bob:"), texts(bob, "#messages li.message:not(.pending) .sender"));
            assertEquals(List.of("hello bob", "hi alice"), texts(bob, "#messages li.message:not(.pending) .text"));
            assertEquals(List.of("hello bob", "hi alice"), texts(alice, "#messages li.message:not(.pending) .text"));
            alice.awaitText("#messages li.message:not(.pending)", "hello bob");
            assertEquals(1, alice.findAll("#messages li.message.mine").size(), "own messages are marked");
            assertTrue(texts(alice, "#members li").stream().anyMatch(m -> m.startsWith("bob")));
            assertTrue(texts(bob, "#members li").stream().anyMatch(m -> m.startsWith("alice")));
            assertEquals("", alice.find("#message").getAttribute("value"), "Enter sent and cleared the input");
            alice.screenshot("page-en");
        }
    }

    @Test
    void markupInAMessageIsShownAsLiteralText() throws Exception {
        String image = "<img src=x onerror=alert(1)>";
        String script = "<script>document.title='owned'</script>";
        try (Browser alice = new Browser("en-US"); Browser bob = new Browser("en-US")) {
            alice.enter(base + "?room=page-xss", "alice");
            bob.enter(base + "?room=page-xss", "bob");
            say(alice, image);
            say(alice, script);
            bob.awaitText("#messages li.message .text", script);

            assertEquals(List.of(image, script), texts(bob, "#messages li.message:not(.pending) .text"));
            assertEquals(0, bob.findAll("#messages img, #messages script").size(), "no element was created");
            assertThrows(NoAlertPresentException.class, () -> bob.driver().switchTo().alert());
            assertEquals("Chat", bob.driver().getTitle());
        }
    }

    @Test
    void aChineseBrowserGetsTheSeedsWording() throws Exception {
        try (Browser xiaoming = new Browser("zh-CN"); Browser english = new Browser("en-US")) {
            xiaoming.enter(base + "?room=page-zh", "小明");
            assertEquals("发送", xiaoming.find("#send").getText());
            xiaoming.awaitText("#messages li.notice", "[小明]登陆聊天室");

            english.enter(base + "?room=page-zh", "li");
            xiaoming.awaitText("#messages li.notice", "[li]登陆聊天室");
            say(english, "你好");
            WebElement line = xiaoming.awaitText("#messages li.message", "你好");
            assertTrue(line.getText().contains("[li]说：你好"), line.getText());
            xiaoming.screenshot("page-zh");

            assertEquals("Send", english.find("#send").getText());
            english.awaitText("#messages li.notice", "li joined the room");
            english.driver().quit();
            xiaoming.awaitText("#messages li.notice", "[li]离开聊天室");

            xiaoming.find("#language").click();
            assertEquals("Send", xiaoming.find("#send").getText(), "the switch changes the language at once");
            xiaoming.screenshot("page-zh-switched-to-en");
        }
    }
}

package dev.chatwar.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.support.Deployments;
import dev.chatwar.support.ServerLog;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A bad setting stops the deployment, and the container log names the setting and the value. */
@ExtendWith(ArquillianExtension.class)
class ConfigIT {

    @Deployment(name = "bad-setting", managed = false, testable = false)
    static WebArchive badSetting() {
        return Deployments.chatWarWithSettings("chat-bad.war", "CHAT_HISTORY_SIZE", "lots");
    }

    @ArquillianResource
    Deployer deployer;

    @Test
    void aBadSettingFailsTheDeploymentNamingIt() {
        ServerLog log = ServerLog.fromNow();
        try {
            assertThrows(Exception.class, () -> deployer.deploy("bad-setting"));
            String logged = log.text();
            assertTrue(logged.contains("CHAT_HISTORY_SIZE='lots': not a whole number"), logged);
        } finally {
            try {
                deployer.undeploy("bad-setting");
            } catch (RuntimeException alreadyGone) {
                // A context that never started may already be gone; nothing is left either way.
            }
        }
    }
}

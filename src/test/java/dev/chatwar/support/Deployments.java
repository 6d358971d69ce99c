package dev.chatwar.support;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The real WAR the build packaged, for Arquillian to deploy, and the URIs to reach it. */
public final class Deployments {
    private Deployments() {
    }

    /** {@code target/chat.war} as built: deployed at {@code /chat}. */
    public static WebArchive chatWar() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("chat.war", "target/chat.war")));
    }

    /**
     * The same WAR under another name (so another context path) with settings given as context-params in a
     * {@code web.xml}, as a deployer would.
     */
    public static WebArchive chatWarWithSettings(String archiveName, String... nameValuePairs) {
        return chatWarWithWebXml(archiveName, "", nameValuePairs);
    }

    /** As {@link #chatWarWithSettings}, with more {@code web.xml} elements (security constraints, login config). */
    public static WebArchive chatWarWithWebXml(String archiveName, String moreWebXml, String... nameValuePairs) {
        StringBuilder params = new StringBuilder();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            params.append("  <context-param><param-name>").append(nameValuePairs[i])
                    .append("</param-name><param-value>").append(nameValuePairs[i + 1])
                    .append("</param-value></context-param>\n");
        }
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                %s%s</web-app>
                """.formatted(params, moreWebXml);
        WebArchive war = ShrinkWrap.create(WebArchive.class, archiveName);
        war.merge(chatWar());
        return war.setWebXML(new StringAsset(webXml));
    }

    /** {@code ws://host:port/context/chat?room=…&name=…}; a null {@code name} is left out. */
    public static URI chatUri(URL base, String room, String name) {
        StringBuilder uri = new StringBuilder(base.toExternalForm().replaceFirst("^http", "ws"));
        if (uri.charAt(uri.length() - 1) != '/') {
            uri.append('/');
        }
        uri.append("chat?room=").append(encode(room));
        if (name != null) {
            uri.append("&name=").append(encode(name));
        }
        return URI.create(uri.toString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

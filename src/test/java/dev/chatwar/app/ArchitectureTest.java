package dev.chatwar.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of the chat, as rules that fail the build when an import breaks them (README, "How it is built").
 * Arrows point one way, from the composition root down to the protocol:
 * {@code app → transport → config → admission → room → engine → protocol}, with {@code ops} beside
 * {@code transport}, {@code engine.redis} below {@code config} (which checks a Redis URL as Lettuce reads it) and
 * beside {@code room}, and {@code threads} at the bottom.
 */
@AnalyzeClasses(packages = "dev.chatwar", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Every package on its own (engine and engine.redis are two): no two may import each other, however indirectly. */
    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.chatwar.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyTheCompositionRootKnowsItself = noClasses()
            .that().resideOutsideOfPackage("dev.chatwar.app..")
            .should().dependOnClassesThat().resideInAPackage("dev.chatwar.app..");

    /** The rooms and the engines are plain Java: tested without a container, usable from any transport. */
    @ArchTest
    static final ArchRule theDomainKnowsNoContainer = noClasses()
            .that().resideInAnyPackage("dev.chatwar.room..", "dev.chatwar.engine..", "dev.chatwar.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.websocket..", "jakarta.servlet..");

    /** (Netty's {@code NetUtil} formats addresses for the connection limits; that is a library call, not Redis.) */
    @ArchTest
    static final ArchRule onlyTheRedisEngineTalksToRedis = noClasses()
            .that().resideOutsideOfPackage("dev.chatwar.engine.redis..")
            .should().dependOnClassesThat().resideInAPackage("io.lettuce..");

    /** The executor Tomcat loads from lib/ sees none of the application's classes: it uses Tomcat and the JDK only. */
    @ArchTest
    static final ArchRule tomcatExecutorStandsAlone = noClasses()
            .that().resideInAPackage("dev.chatwar.tomcat..")
            .should().dependOnClassesThat().resideInAPackage("dev.chatwar..")
            .andShould().dependOnClassesThat().resideOutsideOfPackages("dev.chatwar.tomcat..", "java..",
                    "org.apache.catalina..", "org.apache.tomcat..");

    /** Who may use whom; a package not listed here may be used by nobody but {@code app}. */
    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("app").definedBy("dev.chatwar.app..")
            .layer("transport").definedBy("dev.chatwar.transport..")
            .layer("api").definedBy("dev.chatwar.api..")
            .layer("ops").definedBy("dev.chatwar.ops..")
            .layer("admission").definedBy("dev.chatwar.admission..")
            .layer("room").definedBy("dev.chatwar.room..")
            .layer("redis engine").definedBy("dev.chatwar.engine.redis..")
            .layer("engine").definedBy("dev.chatwar.engine")
            .layer("config").definedBy("dev.chatwar.config..")
            .layer("protocol").definedBy("dev.chatwar.protocol..")
            .layer("threads").definedBy("dev.chatwar.threads..")
            .layer("tomcat").definedBy("dev.chatwar.tomcat..")
            .whereLayer("app").mayNotBeAccessedByAnyLayer()
            // Loaded by Tomcat from lib/, never by the application (it is not in the WAR).
            .whereLayer("tomcat").mayNotBeAccessedByAnyLayer()
            .whereLayer("transport").mayOnlyBeAccessedByLayers("app")
            .whereLayer("ops").mayOnlyBeAccessedByLayers("app")
            .whereLayer("admission").mayOnlyBeAccessedByLayers("app", "transport", "config")
            .whereLayer("api").mayOnlyBeAccessedByLayers("app")
            .whereLayer("room").mayOnlyBeAccessedByLayers("app", "transport", "admission", "ops", "api")
            .whereLayer("redis engine").mayOnlyBeAccessedByLayers("app", "config")
            .whereLayer("engine").mayOnlyBeAccessedByLayers("app", "ops", "room", "redis engine", "api")
            .whereLayer("config").mayOnlyBeAccessedByLayers("app", "transport")
            .whereLayer("threads").mayOnlyBeAccessedByLayers("app", "transport", "redis engine");
}

package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.api.Message;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** An invalid {@link CourierListener} fails the startup with a message naming the bean and the method. */
class CourierListenerDeclarationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CourierAutoConfiguration.class));

    private void assertStartupFails(Class<?> handlerClass, String beanName, String method, String problem) {
        runner.withBean(beanName, handlerClass).run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining(handlerClass.getSimpleName() + "." + method + " of bean '" + beanName + "'")
                .hasMessageContaining(problem));
    }

    static class NoDestination {
        @CourierListener(group = "g")
        void on(String event) {
        }
    }

    @Test
    void aListenerWithoutTopicOrQueueFails() {
        assertStartupFails(NoDestination.class, "noDestination", "on(String)", "set topic (with group) or queue");
    }

    static class TopicAndQueue {
        @CourierListener(topic = "t", group = "g", queue = "q")
        void on(String event) {
        }
    }

    @Test
    void aListenerWithBothTopicAndQueueFails() {
        assertStartupFails(TopicAndQueue.class, "both", "on(String)", "not both");
    }

    static class TopicWithoutGroup {
        @CourierListener(topic = "t")
        void on(String event) {
        }
    }

    @Test
    void aTopicListenerWithoutGroupFails() {
        assertStartupFails(TopicWithoutGroup.class, "noGroup", "on(String)", "topic 't' needs a group");
    }

    static class QueueWithGroup {
        @CourierListener(queue = "q", group = "g")
        void on(String event) {
        }
    }

    @Test
    void aWorkQueueListenerWithAGroupFails() {
        assertStartupFails(QueueWithGroup.class, "queueGroup", "on(String)", "a work queue has no group");
    }

    static class TwoParameters {
        @CourierListener(topic = "t", group = "g")
        void on(String event, String other) {
        }
    }

    @Test
    void aListenerWithTwoParametersFails() {
        assertStartupFails(TwoParameters.class, "twoParameters", "on(String, String)", "exactly one parameter");
    }

    static class RawMessage {
        @SuppressWarnings("rawtypes")
        @CourierListener(topic = "t", group = "g")
        void on(Message message) {
        }
    }

    @Test
    void aMessageParameterWithoutPayloadTypeFails() {
        assertStartupFails(RawMessage.class, "rawMessage", "on(Message)", "declare the payload type");
    }

    static class ReturnsValue {
        @CourierListener(topic = "t", group = "g")
        String on(String event) {
            return event;
        }
    }

    @Test
    void aListenerReturningAValueFails() {
        assertStartupFails(ReturnsValue.class, "returnsValue", "on(String)", "must return void");
    }

    static class UnknownExecutor {
        @CourierListener(topic = "t", group = "g", executor = "nowhere")
        void on(String event) {
        }
    }

    @Test
    void aListenerNamingAMissingExecutorFails() {
        assertStartupFails(UnknownExecutor.class, "unknownExecutor", "on(String)", "no executor bean named 'nowhere'");
    }

    static class InvalidTopicName {
        @CourierListener(topic = "user created!", group = "g")
        void on(String event) {
        }
    }

    @Test
    void aListenerWithAnInvalidTopicNameFails() {
        assertStartupFails(InvalidTopicName.class, "badName", "on(String)", "user created!");
    }

    static class NegativeConcurrency {
        @CourierListener(topic = "t", group = "g", concurrency = -2)
        void on(String event) {
        }
    }

    @Test
    void aListenerWithNegativeConcurrencyFails() {
        assertStartupFails(NegativeConcurrency.class, "negative", "on(String)", "must be positive");
    }
}

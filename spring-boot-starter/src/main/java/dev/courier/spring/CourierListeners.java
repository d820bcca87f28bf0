package dev.courier.spring;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageHandler;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link CourierListener} methods as beans are created (failing the startup on an invalid
 * one), subscribes them and the {@link CourierSubscriber} beans once the context is refreshed, and
 * closes those subscriptions, draining their handlers, when the context stops: before any bean is
 * destroyed. Its phase is below the web server's, so listeners start before the server takes
 * requests and stop after it stopped taking them.
 *
 * <p>Thread safety: Spring calls the lifecycle methods one at a time; the endpoint list is only
 * appended to while singletons are created, before {@link #start()}.
 */
final class CourierListeners implements BeanPostProcessor, SmartLifecycle {

    /** Below the web server's start/stop and graceful-shutdown phases (Boot's are {@code DEFAULT_PHASE - 2048} and above). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(CourierListeners.class);

    private final BeanFactory beanFactory;
    private final Environment environment;
    private final ObjectProvider<MessageBus> bus;
    private final ObjectProvider<CourierProperties> properties;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final List<Subscription> running = new ArrayList<>();
    private volatile boolean started;
    /** True until the first start: endpoints found later would never run. */
    private volatile boolean collecting = true;

    CourierListeners(BeanFactory beanFactory, Environment environment, ObjectProvider<MessageBus> bus,
                     ObjectProvider<CourierProperties> properties) {
        this.beanFactory = beanFactory;
        this.environment = environment;
        this.bus = bus;
        this.properties = properties;
    }

    /** One annotated method of one bean, validated. */
    private record Endpoint(String beanName, Object bean, Method method, CourierListener annotation,
                            String topic, String group, String queue, Class<?> payloadType, boolean wholeMessage) {

        String describe() {
            return describe(beanName, method);
        }

        static String describe(String beanName, Method method) {
            String params = Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "));
            return "@CourierListener method " + ClassUtils.getUserClass(method.getDeclaringClass()).getSimpleName() + "."
                    + method.getName() + "(" + params + ") of bean '" + beanName + "'";
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> target = AopUtils.getTargetClass(bean);
        Map<Method, CourierListener> annotated = MethodIntrospector.selectMethods(target,
                (MethodIntrospector.MetadataLookup<CourierListener>) m -> AnnotatedElementUtils.findMergedAnnotation(m, CourierListener.class));
        annotated.forEach((method, annotation) -> {
            Endpoint endpoint = endpoint(bean, beanName, method, annotation);
            if (!collecting) {
                log.warn("{} belongs to a bean created after the listeners started (lazy or prototype);"
                        + " it does not run: make the bean an eager singleton", endpoint.describe());
                return;
            }
            synchronized (endpoints) {
                endpoints.add(endpoint);
            }
        });
        return bean;
    }

    private Endpoint endpoint(Object bean, String beanName, Method method, CourierListener annotation) {
        String where = Endpoint.describe(beanName, method);
        String topic = resolve(annotation.topic());
        String group = resolve(annotation.group());
        String queue = resolve(annotation.queue());
        if (topic.isEmpty() == queue.isEmpty()) {
            throw invalid(where, topic.isEmpty() ? "set topic (with group) or queue" : "set topic or queue, not both");
        }
        if (!topic.isEmpty() && group.isEmpty()) {
            throw invalid(where, "topic '" + topic + "' needs a group");
        }
        if (!queue.isEmpty() && !group.isEmpty()) {
            throw invalid(where, "a work queue has no group: remove group '" + group + "'");
        }
        if (method.getParameterCount() != 1) {
            throw invalid(where, "it must take exactly one parameter, the payload (T) or the message (Message<T>)");
        }
        if (method.getReturnType() != void.class) {
            throw invalid(where, "it must return void; its " + method.getReturnType().getSimpleName() + " would be lost");
        }
        if (annotation.concurrency() < 0 || annotation.maxInFlight() < 0 || annotation.maxAttempts() < 0) {
            throw invalid(where, "concurrency, maxInFlight and maxAttempts must be positive (or 0 for the courier.consumer default)");
        }
        if (!annotation.executor().isEmpty() && !beanFactory.containsBean(annotation.executor())) {
            throw invalid(where, "there is no executor bean named '" + annotation.executor() + "'");
        }
        Class<?> parameter = method.getParameterTypes()[0];
        boolean wholeMessage = parameter == Message.class;
        Class<?> payloadType = parameter;
        if (wholeMessage) {
            ResolvableType generic = ResolvableType.forMethodParameter(method, 0).getGeneric(0);
            payloadType = generic.resolve();
            if (payloadType == null || payloadType == Object.class) {
                throw invalid(where, "declare the payload type of its Message parameter, for example Message<UserCreated>");
            }
        } else if (parameter.isPrimitive()) {
            throw invalid(where, "its payload type " + parameter + " is primitive; use a record, String or byte[]");
        }
        ReflectionUtils.makeAccessible(method);
        Method invocable;
        try {
            invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        } catch (IllegalStateException e) {
            throw invalid(where, e.getMessage());
        }
        return new Endpoint(beanName, bean, invocable, annotation, topic, group, queue, payloadType, wholeMessage);
    }

    private String resolve(String value) {
        return environment.resolveRequiredPlaceholders(value).strip();
    }

    private static BeanInitializationException invalid(String where, String problem) {
        return new BeanInitializationException("Invalid " + where + ": " + problem);
    }

    @Override
    public void start() {
        MessageBus messageBus = bus.getObject();
        List<CourierSubscriber> subscribers = beanFactory.getBeanProvider(CourierSubscriber.class).orderedStream().toList();
        collecting = false;
        CourierProperties.Consumer defaults = properties.getObject().getConsumer();
        List<Endpoint> all;
        synchronized (endpoints) {
            all = List.copyOf(endpoints);
        }
        try {
            for (Endpoint endpoint : all) {
                running.add(subscribe(messageBus, endpoint, defaults));
            }
            for (CourierSubscriber subscriber : subscribers) {
                running.add(subscriber.subscribe(messageBus));
            }
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
        started = true;
    }

    private Subscription subscribe(MessageBus messageBus, Endpoint endpoint, CourierProperties.Consumer defaults) {
        ConsumerOptions options;
        try {
            options = options(endpoint.annotation(), defaults);
        } catch (IllegalArgumentException e) {
            throw invalid(endpoint.describe(), e.getMessage());
        }
        @SuppressWarnings("unchecked")
        Class<Object> type = (Class<Object>) endpoint.payloadType();
        MessageHandler<Object> handler = message -> invoke(endpoint, endpoint.wholeMessage() ? message : message.payload());
        try {
            Subscription subscription = endpoint.queue().isEmpty()
                    ? messageBus.subscribe(endpoint.topic(), endpoint.group(), type, handler, options)
                    : messageBus.workQueue(endpoint.queue(), type).work(handler, options);
            log.debug("Started {} on {}", endpoint.describe(), endpoint.queue().isEmpty() ? endpoint.topic() : endpoint.queue());
            return subscription;
        } catch (IllegalArgumentException e) {
            throw invalid(endpoint.describe(), e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalStateException("Could not start " + endpoint.describe() + ": " + e.getMessage(), e);
        }
    }

    private ConsumerOptions options(CourierListener annotation, CourierProperties.Consumer defaults) {
        int concurrency = annotation.concurrency() > 0 ? annotation.concurrency() : defaults.getConcurrency();
        ConsumerOptions options = ConsumerOptions.concurrency(concurrency);
        if (annotation.maxInFlight() > 0) {
            options = options.withMaxInFlight(annotation.maxInFlight());
        } else if (defaults.getMaxInFlight() != null) {
            options = options.withMaxInFlight(Math.max(defaults.getMaxInFlight(), concurrency));
        }
        int attempts = annotation.maxAttempts() > 0 ? annotation.maxAttempts() : defaults.getMaxAttempts();
        options = options.withRetry(RetryPolicy.defaults().withMaxAttempts(attempts)
                        .withBackoff(defaults.getInitialBackoff(), defaults.getMaxBackoff()))
                .withShutdownTimeout(defaults.getShutdownTimeout());
        if (defaults.isLenientDecoding()) {
            options = options.withLenientDecoding();
        }
        String executor = annotation.executor().isEmpty() ? defaults.getExecutor() : annotation.executor();
        if (executor != null && !executor.isBlank()) {
            options = options.withExecutor(beanFactory.getBean(executor.strip(), Executor.class));
        }
        return options;
    }

    private static void invoke(Endpoint endpoint, Object argument) throws Exception {
        try {
            endpoint.method().invoke(endpoint.bean(), argument);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    @Override
    public void stop() {
        started = false;
        closeAll();
    }

    /** Closes every subscription at once, each draining its handlers, and waits for all. */
    private void closeAll() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Subscription subscription : running) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            new Thread(() -> {
                try {
                    subscription.close();
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            }, "courier-stop-" + subscription.topic()).start();
            closing.add(done);
        }
        running.clear();
        for (CompletableFuture<Void> done : closing) {
            try {
                done.join();
            } catch (RuntimeException e) {
                log.warn("Closing a Courier subscription failed", e);
            }
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}

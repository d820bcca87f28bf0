package dev.courier.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.Codec;
import dev.courier.api.JsonCodec;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishInterceptor;
import dev.courier.api.TraceHook;
import dev.courier.micrometer.MicrometerBusListener;
import dev.courier.opentelemetry.OpenTelemetryTraceHook;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configures Courier in a Spring Boot application: a {@link MessageBus} bean connected to
 * {@code courier.url} with the {@code courier.*} options, {@link CourierListener} methods and
 * {@link CourierSubscriber} beans run in Spring's lifecycle, and, when their libraries and beans
 * are present, Micrometer meters, OpenTelemetry tracing and an Actuator health indicator.
 *
 * <p>The JSON codec uses the application's Jackson 2 {@code com.fasterxml.jackson.databind.ObjectMapper}
 * bean when there is exactly one (Spring Boot 4 configures one with {@code spring-boot-jackson2};
 * its default, Jackson 3, is another library Courier does not use), else Courier's own mapper;
 * {@code courier.use-application-object-mapper=false} keeps Courier's, and a {@link Codec} bean
 * replaces both. Every {@link BusListener}, {@link PublishInterceptor} and {@link CourierBusCustomizer}
 * bean and a unique {@link TraceHook} bean are applied. Define a {@code MessageBus} bean to replace
 * all of this.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration"})
@ConditionalOnClass(MessageBus.class)
@EnableConfigurationProperties(CourierProperties.class)
public class CourierAutoConfiguration {

    /** The bus, closed when the context destroys it (after the listeners stopped). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public MessageBus courierMessageBus(CourierProperties properties, ObjectProvider<ObjectMapper> objectMappers,
                                        ObjectProvider<Codec> codecs, ObjectProvider<BusListener> listeners,
                                        ObjectProvider<TraceHook> traceHooks,
                                        ObjectProvider<PublishInterceptor> interceptors,
                                        ObjectProvider<CourierBusCustomizer> customizers) {
        BusOptions options = BusOptions.defaults().withPublishTimeout(properties.getPublishTimeout());
        for (Map.Entry<String, String> option : properties.getTransportOptions().entrySet()) {
            options = options.withTransportOption(option.getKey(), option.getValue());
        }
        Codec codec = codecs.getIfUnique();
        if (codec != null) {
            options = options.withCodec(codec);
        } else if (properties.isUseApplicationObjectMapper()) {
            ObjectMapper mapper = objectMappers.getIfUnique();
            if (mapper != null) {
                options = options.withCodec(JsonCodec.of(mapper));
            }
        }
        for (BusListener listener : listeners.orderedStream().toList()) {
            options = options.withListener(listener);
        }
        TraceHook traceHook = traceHooks.getIfUnique();
        if (traceHook != null) {
            options = options.withTraceHook(traceHook);
        }
        for (PublishInterceptor interceptor : interceptors.orderedStream().toList()) {
            options = options.withInterceptor(interceptor);
        }
        for (CourierBusCustomizer customizer : customizers.orderedStream().toList()) {
            options = customizer.customize(options);
        }
        return MessageBus.connect(properties.getUrl(), options);
    }

    /** Runs the {@link CourierListener} methods and {@link CourierSubscriber} beans in Spring's lifecycle. */
    @Bean
    static CourierListeners courierListeners(BeanFactory beanFactory, Environment environment,
                                             ObjectProvider<MessageBus> bus, ObjectProvider<CourierProperties> properties) {
        return new CourierListeners(beanFactory, environment, bus, properties);
    }

    /** Meters for the bus when the application has a Micrometer registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MicrometerBusListener.class, MeterRegistry.class})
    @ConditionalOnBean(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        MicrometerBusListener courierMicrometerListener(MeterRegistry registry) {
            return new MicrometerBusListener(registry);
        }
    }

    /** Trace propagation through OpenTelemetry when the application has an {@code OpenTelemetry} bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({OpenTelemetryTraceHook.class, OpenTelemetry.class})
    @ConditionalOnBean(OpenTelemetry.class)
    static class Tracing {

        @Bean
        @ConditionalOnMissingBean(TraceHook.class)
        OpenTelemetryTraceHook courierTraceHook(OpenTelemetry openTelemetry) {
            return new OpenTelemetryTraceHook(openTelemetry);
        }
    }

    /** The {@code courier} health indicator when Actuator's health support is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("courier")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "courierHealthIndicator")
        CourierHealthIndicator courierHealthIndicator(MessageBus bus) {
            return new CourierHealthIndicator(bus);
        }
    }
}

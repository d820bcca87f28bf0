package dev.courier.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenTelemetryTraceHookTest {

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final Tracer tracer = openTelemetry.getTracer("test");

    @Test
    void a_span_started_in_a_handler_is_a_child_of_the_publishers_span() throws Exception {
        CountDownLatch handled = new CountDownLatch(1);
        try (MessageBus bus = MessageBus.connect("memory://otel",
                BusOptions.defaults().withTraceHook(new OpenTelemetryTraceHook(openTelemetry)))) {
            bus.subscribe("orders", "billing", String.class, message -> {
                Span span = tracer.spanBuilder("bill").startSpan();
                span.end();
                handled.countDown();
            });
            Span checkout = tracer.spanBuilder("checkout").startSpan();
            try (Scope scope = checkout.makeCurrent()) {
                bus.publish("orders", "order-1").toCompletableFuture().join();
            } finally {
                checkout.end();
            }
            assertTrue(handled.await(10, TimeUnit.SECONDS));
        }

        List<SpanData> finished = spans.getFinishedSpanItems();
        SpanData checkout = finished.stream().filter(s -> s.getName().equals("checkout")).findFirst().orElseThrow();
        SpanData bill = finished.stream().filter(s -> s.getName().equals("bill")).findFirst().orElseThrow();
        assertEquals(checkout.getTraceId(), bill.getTraceId(), "one trace across the broker");
        assertEquals(checkout.getSpanId(), bill.getParentSpanId(), "the handler's span is a child of the publisher's");
    }

    @Test
    void without_a_current_span_nothing_is_injected() {
        assertTrue(new OpenTelemetryTraceHook(openTelemetry).inject().isEmpty());
    }
}

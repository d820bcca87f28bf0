package dev.courier.internal;

import dev.courier.api.Message;
import dev.courier.api.MessageHandler;

/**
 * The innermost step: decodes the payload into the handler's type (strictly unless the
 * subscription asked for lenient decoding) and calls the handler.
 */
final class DecodeStep<T> implements MessageHandler<byte[]> {

    private final Payloads payloads;
    private final Class<T> type;
    private final MessageHandler<T> handler;
    private final boolean strict;

    DecodeStep(Payloads payloads, Class<T> type, MessageHandler<T> handler, boolean strict) {
        this.strict = strict;
        this.payloads = payloads;
        this.type = type;
        this.handler = handler;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void handle(Message<byte[]> message) throws Exception {
        if (type == byte[].class) {
            handler.handle((Message<T>) (Message<?>) message); // nothing to decode: no second Message
            return;
        }
        T payload = payloads.decode(message.payload(), message.contentType(), type, message.id(), strict);
        handler.handle(message.withPayload(payload));
    }
}

package dev.courier.api;

/**
 * Turns payloads into bytes for the wire and back: JSON by default ({@link JsonCodec}), Protobuf
 * with the {@code courier-codec-protobuf} module, or your own (Avro, CBOR...). Chosen per bus and
 * per payload type with {@link BusOptions#withCodec(Codec)} and
 * {@link BusOptions#withCodec(Class, Codec)}. Payloads of type {@code byte[]} and {@code String}
 * never reach a codec: they travel as they are ({@code application/octet-stream} and UTF-8
 * {@code text/plain}, or the message's {@link OutgoingMessage#withContentType content type}).
 *
 * <p>Decoding picks the codec by the handler's payload class, not by the received content type,
 * which is passed along for codecs that care. Whatever {@link #decode} throws (or a {@code null}
 * it returns) becomes a {@link DecodingException} naming the message, and the message is
 * dead-lettered without retry.
 *
 * <p>Implementations must be thread safe: one instance serves every publish and subscription of
 * a bus at once.
 */
public interface Codec {

    /** The media type of what {@link #encode} writes, for example {@code application/json}. */
    String contentType();

    /**
     * The wire form of {@code payload} (never {@code null}); a failure fails the publish with
     * {@link PublishException}.
     */
    byte[] encode(Object payload) throws Exception;

    /**
     * The payload in {@code bytes}, as an instance of {@code type} (never {@code null}).
     *
     * @param contentType the content type the message arrived with
     * @throws Exception when the bytes are not a {@code type}: the message is dead-lettered
     */
    <T> T decode(byte[] bytes, String contentType, Class<T> type) throws Exception;

    /**
     * This codec accepting payloads of the wrong shape where it can, for subscriptions with
     * {@link ConsumerOptions#withLenientDecoding()}; by default this codec itself, for codecs
     * that have no strict mode.
     */
    default Codec lenient() {
        return this;
    }
}

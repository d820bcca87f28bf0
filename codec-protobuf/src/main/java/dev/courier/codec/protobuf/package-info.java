/**
 * The Protocol Buffers {@link dev.courier.api.Codec}: {@link dev.courier.codec.protobuf.ProtobufCodec}.
 * Uses Courier's {@code dev.courier.api} package only.
 */
package dev.courier.codec.protobuf;

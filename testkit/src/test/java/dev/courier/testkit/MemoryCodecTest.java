package dev.courier.testkit;

/** Codecs on the reference transport. */
class MemoryCodecTest extends CodecSuite {

    @Override
    protected String url() {
        return "memory://codecs";
    }
}

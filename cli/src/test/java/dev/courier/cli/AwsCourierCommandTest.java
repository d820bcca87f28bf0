package dev.courier.cli;

import dev.courier.transport.aws.MotoServer;

/**
 * Every command on SNS and SQS: transport-aws's own emulator (moto_server), or real AWS with
 * {@code -Dcourier.aws.real=true}.
 */
class AwsCourierCommandTest extends BrokerCourierCommandSuite {

    /**
     * The emulator's URL with its dummy credentials in it: MotoServer sets them as system
     * properties of this JVM only, and each command runs in a JVM of its own.
     */
    @Override
    protected String url() {
        MotoServer.require();
        return Boolean.getBoolean("courier.aws.real") ? MotoServer.url()
                : MotoServer.url("accessKeyId=" + System.getProperty("aws.accessKeyId")
                + "&secretAccessKey=" + System.getProperty("aws.secretAccessKey"));
    }

    @Override
    protected String unreachableUrl() {
        return "aws://us-east-1?endpoint=http://127.0.0.1:1&apiTimeout=2s";
    }

    /**
     * 10 dead letters (of 4 keys): all of them fit in the first read of the queue. A browse of a FIFO
     * queue sees no more of a message group than the read that first reached it returned, as SQS
     * hides the rest of a group while some of it is held; with 20 letters the first read (10
     * messages, 2 or 3 of each key) hid the other 10, so they were never seen waiting.
     */
    @Override
    protected int killedReplayLetters() {
        return 10;
    }
}

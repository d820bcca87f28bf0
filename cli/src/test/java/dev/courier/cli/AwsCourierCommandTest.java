package dev.courier.cli;

import dev.courier.transport.aws.MotoServer;

/**
 * Every command on SNS and SQS: transport-aws's own emulator (moto_server), or real AWS with
 * {@code -Dcourier.aws.real=true}.
 */
class AwsCourierCommandTest extends BrokerCourierCommandSuite {

    @Override
    protected String url() {
        MotoServer.require();
        return MotoServer.url();
    }

    @Override
    protected String unreachableUrl() {
        return "aws://us-east-1?endpoint=http://127.0.0.1:1&apiTimeout=2s";
    }

    /** The emulator serves a few dozen calls a second; 40 letters still leave the kill half way. */
    @Override
    protected int killedReplayLetters() {
        return 40;
    }
}

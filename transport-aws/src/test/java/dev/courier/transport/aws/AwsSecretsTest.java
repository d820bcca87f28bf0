package dev.courier.transport.aws;

import dev.courier.testkit.SecretsSuite;

import java.util.List;

/**
 * The secret access key and the session token, given as options, appear in no log line, exception
 * message, {@code toString()} or health detail, from connecting to closing, whether the endpoint
 * answers or not.
 */
class AwsSecretsTest extends SecretsSuite {

    private static final String SECRET_KEY = "S3cretAcc3ssKeyXYZ";
    private static final String SESSION_TOKEN = "S3ssionT0kenXYZ";

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    @Override
    protected List<String> urlsWithSecrets() {
        String credentials = "accessKeyId=AKIDCOURIERTEST&secretAccessKey=" + SECRET_KEY + "&sessionToken=" + SESSION_TOKEN;
        return List.of(
                MotoServer.url(credentials),
                "aws://us-east-1?endpoint=http://127.0.0.1:1&apiTimeout=2s&" + credentials);
    }

    @Override
    protected List<String> secrets() {
        return List.of(SECRET_KEY, SESSION_TOKEN);
    }
}

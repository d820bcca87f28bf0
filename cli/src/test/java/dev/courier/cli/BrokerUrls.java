package dev.courier.cli;

/** Broker URLs from the environment, with the local servers as fallback. */
final class BrokerUrls {

    private BrokerUrls() {
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}

package dev.courier.spi;

/**
 * The names a broker can hold for a destination or group: at most {@code maxLength} characters,
 * each an ASCII letter or digit or one of {@code otherCharacters}.
 *
 * <p>Core checks every Courier name against Courier's own rule ({@code [A-Za-z0-9._-]}, see
 * {@link Destination}); a transport whose broker is stricter states its rule here, and core hands
 * it a name that fits: the Courier name itself when it does, otherwise a
 * {@linkplain #map documented mapping}. A transport never sees a name it cannot hold.
 *
 * @param maxLength       the longest name the broker holds, at least 16 (room for the mapping's digest)
 * @param otherCharacters the characters allowed besides ASCII letters and digits, for example {@code "._-"}
 */
public record NameRule(int maxLength, String otherCharacters) {

    /** Courier's own rule, which every broker Courier ships a transport for holds as is. */
    public static final NameRule COURIER = new NameRule(255, "._-");

    /** Hex digits of the SHA-256 digest a mapped name ends with. */
    static final int DIGEST_CHARS = 12;

    public NameRule {
        if (maxLength < DIGEST_CHARS + 4) {
            throw new IllegalArgumentException("maxLength must be at least " + (DIGEST_CHARS + 4) + ": " + maxLength);
        }
        if (otherCharacters == null) {
            throw new NullPointerException("otherCharacters");
        }
        for (int i = 0; i < otherCharacters.length(); i++) {
            char c = otherCharacters.charAt(i);
            if (c < 0x21 || c > 0x7e || Character.isLetterOrDigit(c)) {
                throw new IllegalArgumentException("otherCharacters must be printable ASCII punctuation: '" + otherCharacters + "'");
            }
        }
    }

    /** True when the broker holds {@code name} as it is. */
    public boolean allows(String name) {
        if (name.isEmpty() || name.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!allows(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private boolean allows(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || otherCharacters.indexOf(c) >= 0;
    }

    /**
     * The broker name for the Courier name {@code name}: {@code name} itself when {@link #allows}
     * says so; otherwise {@code name} with every character the broker does not hold replaced by the
     * first of {@link #otherCharacters} (dropped when there is none), cut so that the whole fits,
     * then that separator (or none) and the first 12 hex digits of the SHA-256 of {@code name}'s
     * UTF-8. Deterministic, so every process maps a name alike; two Courier names map to one
     * broker name only if their digests' first 48 bits are equal.
     */
    public String map(String name) {
        if (allows(name)) {
            return name;
        }
        String separator = otherCharacters.isEmpty() ? "" : otherCharacters.substring(0, 1);
        StringBuilder readable = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (allows(c)) {
                readable.append(c);
            } else if (!separator.isEmpty()) {
                readable.append(separator);
            }
        }
        int room = maxLength - DIGEST_CHARS - separator.length();
        if (readable.length() > room) {
            readable.setLength(room);
        }
        return readable + separator + digest(name);
    }

    private static String digest(String name) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash).substring(0, DIGEST_CHARS);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

package dev.courier.spi;

/**
 * How a transport writes an envelope's fields on the wire, chosen with the URL option
 * {@value #OPTION} ({@code ?envelope=minimal}). Every receiver reads both forms, whatever its own
 * option says, so producers switch one at a time.
 */
public enum EnvelopeForm {

    /**
     * The default: the CloudEvents attributes in the broker's binary binding ({@code id},
     * {@code source}, {@code type}, {@code specversion}, and {@code time} and
     * {@code datacontenttype} where the broker has no field of its own for them), so CloudEvents
     * SDKs read Courier messages.
     */
    CLOUDEVENTS,

    /**
     * Only what Courier itself reads: the id, the type when the message has one, the key, the
     * content type when it is not {@code application/octet-stream}, the publish time where the
     * broker does not carry it, and the user headers. For high-volume streams that need no
     * CloudEvents interop: a CloudEvents consumer sees no {@code ce} attributes.
     */
    MINIMAL;

    /** The URL option that chooses the form. */
    public static final String OPTION = "envelope";

    /** The content type a receiver assumes when a message names none; the minimal form omits it. */
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    /** The option's value for this form, as written in a URL. */
    public String optionValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The form chosen by {@code options}, {@link #CLOUDEVENTS} when the option is not given. */
    public static EnvelopeForm of(TransportOptions options) {
        return options.choice(OPTION, CLOUDEVENTS);
    }
}

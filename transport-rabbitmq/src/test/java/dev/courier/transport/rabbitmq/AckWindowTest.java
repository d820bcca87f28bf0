package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Which acks and rejects {@link AckWindow} sends, without a broker: a multiple ack never covers an unsettled tag. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AckWindowTest {

    /** The settlements in the order sent: "ack 5", "ack* 5" (multiple), "requeue 5". */
    private final List<String> sent = new ArrayList<>();
    private final AckWindow.Wire wire = new AckWindow.Wire() {
        @Override
        public void ack(long tag, boolean multiple) {
            sent.add((multiple ? "ack* " : "ack ") + tag);
        }

        @Override
        public void requeue(long tag) {
            sent.add("requeue " + tag);
        }
    };

    private AckWindow delivered(int batch, long from, long to) {
        AckWindow window = new AckWindow(batch);
        for (long tag = from; tag <= to; tag++) {
            window.delivered(tag);
        }
        return window;
    }

    @Test
    void acks_in_order_go_out_as_one_multiple_ack() throws Exception {
        AckWindow window = delivered(64, 1, 5);
        assertEquals(AckWindow.Next.SCHEDULE, window.ack(1));
        assertEquals(AckWindow.Next.NOTHING, window.ack(2));
        assertEquals(AckWindow.Next.NOTHING, window.ack(3));
        window.flush(wire);
        assertEquals(List.of("ack* 3"), sent);
        assertEquals(AckWindow.Next.SCHEDULE, window.ack(4), "the next ack schedules the next flush");
    }

    @Test
    void a_full_batch_asks_for_a_flush_now() {
        AckWindow window = delivered(2, 1, 3);
        assertEquals(AckWindow.Next.SCHEDULE, window.ack(1));
        assertEquals(AckWindow.Next.FLUSH, window.ack(2));
    }

    @Test
    void acks_after_a_message_still_handled_go_out_one_by_one() throws Exception {
        AckWindow window = delivered(64, 11, 15); // tags of a recovered channel start higher
        window.ack(11);
        window.ack(13);
        window.ack(15);
        window.flush(wire);
        assertEquals(List.of("ack* 11", "ack 13", "ack 15"), sent);

        sent.clear();
        window.ack(12);
        window.ack(14);
        window.flush(wire);
        assertEquals(List.of("ack* 14"), sent, "12 to 15 are settled now; 13 and 15 went out before");
    }

    @Test
    void a_multiple_ack_never_covers_a_requeued_message_nor_ends_on_one() throws Exception {
        AckWindow window = delivered(64, 1, 4);
        window.ack(1);
        window.requeue(2, wire);
        window.ack(3);
        window.flush(wire);
        assertEquals(List.of("requeue 2", "ack* 3"), sent);

        sent.clear();
        window.requeue(4, wire);
        window.flush(wire);
        assertEquals(List.of("requeue 4"), sent);
    }

    @Test
    void an_ack_of_an_unknown_tag_or_after_close_is_not_tracked() throws Exception {
        AckWindow window = delivered(64, 1, 2);
        assertEquals(AckWindow.Next.UNTRACKED, window.ack(7));
        window.ack(1);
        window.close();
        assertEquals(AckWindow.Next.UNTRACKED, window.ack(2));
        window.flush(wire);
        assertEquals(List.of(), sent, "the broker put the lost channel's deliveries back");
    }

    @Test
    void the_window_grows_past_its_first_size() throws Exception {
        AckWindow window = delivered(1000, 1, 500);
        for (long tag = 500; tag >= 2; tag--) {
            window.ack(tag);
        }
        window.flush(wire);
        assertEquals(499, sent.size(), "all after the unsettled tag 1, one by one");
        sent.clear();
        window.ack(1);
        window.flush(wire);
        assertEquals(List.of("ack* 1"), sent);
    }
}

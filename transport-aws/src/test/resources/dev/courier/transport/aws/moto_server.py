# moto_server for Courier's tests: moto's own server (moto 5.2), with two kinds of patch.
#
# 1. Correctness: moto's ReceiveMessage takes no lock, so two receives on one queue at the same
#    moment can take the same message, which SQS never does within the visibility timeout. Receives
#    are serialised (consumers short-poll, so the lock is held briefly).
#    And Queue.delete_message rebuilds the queue's message list from the list it read and then
#    assigns it, with no lock: a message another thread appended meanwhile (a send) is dropped,
#    and a message another delete removed meanwhile comes back. Two DeleteMessageBatch calls and
#    one SendMessage at once on a queue holding 3 000 messages (in-process, 3 threads) lost 570 of
#    3 000 messages sent and brought back 1 268 of 3 000 deleted; over HTTP, Courier's delayed-
#    delivery test saw 1 of 10 000 messages lost and 67 delivered twice. Adding and deleting
#    messages of a queue are serialised.
#
# 2. Speed, same behaviour: moto spends almost all its time recomputing things per message, each
#    O(queue backlog): every SendMessage reads queue.attributes three times and every received
#    message once more through get_queue_attributes, and each read counts the queue's visible,
#    delayed and in-flight messages (three scans) with a datetime-based clock. Measured in-process
#    on this kind of machine (moto 5.2.1, Python 3.11, 10-entry batches, 5 000 messages waiting):
#    50 ReceiveMessage + DeleteMessageBatch pairs took 52.7 s unpatched and 2.4 s patched;
#    filling a queue with 5 000 messages in 500 SendMessageBatch calls took minutes unpatched
#    (0.3 calls/s at that backlog through HTTP) and 3.9 s patched. The patches: inside SQS's
#    data-plane actions queue.attributes skips the three message counts (only GetQueueAttributes
#    reports them, computed as before); the clock is time.time() (moto's is the same wall clock
#    through datetime arithmetic); a receipt-handle check no longer builds a list per message.
import sys
import threading
import time

import moto.core.utils as core_utils
import moto.sqs.models as models

receive_lock = threading.Lock()
original_receive = models.SQSBackend.receive_message


def receive_message(self, *args, **kwargs):
    with receive_lock:
        return original_receive(self, *args, **kwargs)


models.SQSBackend.receive_message = receive_message

messages_lock = threading.RLock()


def serialised(action):
    def run(*args, **kwargs):
        with messages_lock:
            return action(*args, **kwargs)
    return run


models.Queue.add_message = serialised(models.Queue.add_message)
models.Queue.delete_message = serialised(models.Queue.delete_message)

original_unix_time = core_utils.unix_time


def unix_time(dt=None):
    return time.time() if dt is None else original_unix_time(dt)


def unix_time_millis(dt=None):
    return unix_time(dt) * 1000.0


models.unix_time = unix_time
models.unix_time_millis = unix_time_millis
models.Message.visible = property(lambda self: time.time() * 1000.0 > self.visible_at)
models.Message.delayed = property(lambda self: time.time() * 1000.0 < self.delayed_until)
models.Message.had_receipt_handle = (
    lambda self, handle: handle == self.receipt_handle or handle in self._old_receipt_handles)

data_plane = threading.local()
full_attributes = models.Queue.attributes.fget
COUNTS = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
          "ApproximateNumberOfMessagesNotVisible"}


def attributes(self):
    if not getattr(data_plane, "active", False):
        return full_attributes(self)
    names = [a for a in self.BASE_ATTRIBUTES if a not in COUNTS]
    if self.fifo_queue:
        names += self.FIFO_ATTRIBUTES
    if self.kms_master_key_id:
        names += self.KMS_ATTRIBUTES
    result = {a: getattr(self, core_utils.camelcase_to_underscores(a)) for a in names}
    if self.policy:
        result["Policy"] = self.policy
    if self.redrive_policy:
        result["RedrivePolicy"] = models.json.dumps(self.redrive_policy)
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}


models.Queue.attributes = property(attributes)


def on_data_plane(action):
    def run(*args, **kwargs):
        was = getattr(data_plane, "active", False)
        data_plane.active = True
        try:
            return action(*args, **kwargs)
        finally:
            data_plane.active = was
    return run


for name in ["send_message", "send_message_batch", "receive_message", "delete_message", "delete_message_batch",
             "change_message_visibility", "change_message_visibility_batch"]:
    setattr(models.SQSBackend, name, on_data_plane(getattr(models.SQSBackend, name)))

from moto.server import main  # noqa: E402

main(sys.argv[1:])

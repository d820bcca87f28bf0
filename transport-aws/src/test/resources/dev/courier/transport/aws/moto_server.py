# moto_server for Courier's tests: moto's own server (moto 5.2), with six kinds of patch.
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
import base64
import os
import random
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
    result = {a: getattr(self, python_name(a)) for a in names}
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

# 3. Speed, indexes instead of scans: at 10 000 messages waiting, a FIFO SendMessage compared its
#    deduplication id with every message in the queue, and DeleteMessage and ChangeMessageVisibility
#    looked for their receipt handle in every message's list of handles and rebuilt the queue's list.
#    Profiled in-process (10 000 FIFO messages through an SNS FIFO topic, 10-entry batches): publishing
#    took 83 s and receiving and deleting 121 s, mostly in those scans and in turning attribute names
#    into Python names, now cached; a receive read the clock twice per message waiting and built each
#    receipt handle from 186 random choices. Each queue keeps its messages by deduplication id, and every
#    message is found by any receipt handle it has had; a queue's list is changed in place under the
#    lock above. Same answers as before: a duplicate is dropped while a message with its id and a send
#    time under 5 minutes earlier is still in the queue, and an unknown handle is refused.
python_names = {}


def python_name(name):
    found = python_names.get(name)
    if found is None:
        found = python_names[name] = core_utils.camelcase_to_underscores(name)
    return found


by_handle = {}
queue_of = {}
original_mark_received = models.Message.mark_received


def mark_received(self, visibility_timeout=None):
    original_mark_received(self, visibility_timeout)
    by_handle[self.receipt_handle] = self


models.Message.mark_received = mark_received
original_add_message = models.Queue.add_message


def add_message(self, message):
    if self.lambda_event_source_mappings or not self.fifo_queue:
        if not self.fifo_queue:
            queue_of[message] = self
        return original_add_message(self, message)
    with messages_lock:
        same = self.__dict__.setdefault("_courier_by_dedup", {})
        if message.deduplication_id is not None:
            for earlier in same.get(message.deduplication_id, ()):
                if (message.sent_timestamp - earlier.sent_timestamp) / 1000 < models.DEDUPLICATION_TIME_IN_SECONDS:
                    return
            same.setdefault(message.deduplication_id, []).append(message)
        queue_of[message] = self
        with self._messages_lock:
            self._messages.append(message)
            self._messages_lock.notify_all()


models.Queue.add_message = add_message
# A delete (under the lock above) may change the pending set while a receive (under the receive
# lock) reads it: the receive reads a copy, taken atomically.
models.Queue.pending_message_groups = property(lambda self: {
    m.group_id for m in list(self._pending_messages) if m.group_id is not None})


class VisibleMessages:
    """A queue's visible messages at one instant, found as they are iterated (see 5. below)."""

    def __init__(self, queue):
        self.queue = queue
        self.now = time.time() * 1000.0

    def __iter__(self):
        now = self.now
        return (m for m in self.queue._messages if m.visible_at < now and m.delayed_until <= now)

    def __len__(self):
        return sum(1 for _ in self)

    def __bool__(self):
        return any(True for _ in self)


models.Queue.messages = property(VisibleMessages)
# A receipt handle of 138 random bytes, as before, from Python's generator rather than os.urandom:
# urandom lets go of the interpreter lock, and the thread serving the request (which holds the
# request lock below) then waited for it behind the threads reading other requests, 0.8 ms per
# received message on average in a profile of the fuzz scenario (6% of the server's time).
models.generate_receipt_handle = lambda: base64.urlsafe_b64encode(
    random.getrandbits(138 * 8).to_bytes(138, "big")).decode("ascii")


def find(queue, receipt_handle):
    message = by_handle.get(receipt_handle)
    if message is None or queue_of.get(message) is not queue:
        raise models.ReceiptHandleIsInvalid()
    return message


def delete_message(self, receipt_handle):
    with messages_lock:
        if receipt_handle in self.deleted_messages:
            return
        message = find(self, receipt_handle)
        self._messages.remove(message)
        del queue_of[message]
        self.pending_messages.discard(message)
        handles = message.all_receipt_handles
        self.deleted_messages.update(handles)
        for handle in handles:
            by_handle.pop(handle, None)
        same = self.__dict__.get("_courier_by_dedup", {}).get(message.deduplication_id)
        if same is not None:
            same.remove(message)
            if not same:
                del self._courier_by_dedup[message.deduplication_id]


models.Queue.delete_message = delete_message


def change_message_visibility(self, queue_name, receipt_handle, visibility_timeout):
    queue = self.get_queue(queue_name)
    with messages_lock:
        message = find(queue, receipt_handle)
        if (models.unix_time_millis() + int(visibility_timeout) * 1000 - message.sent_timestamp
                > models.MAXIMUM_VISIBILITY_TIMEOUT * 1000):
            raise models.InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]")
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)


models.SQSBackend.change_message_visibility = change_message_visibility

# 4. Speed of the server itself: every request, SQS's and SNS's alike, looked for its backend under
#    one process-wide lock by listing moto's package directory (an isdir call per service, some 200)
#    and then matching the host against every service's URL patterns. Sampled under the fuzz scenario
#    of the reliability suite, 86% of the server threads' time was spent waiting for that lock, and
#    the server answered about 100 requests a second. The answer depends only on the host, so it is
#    remembered per host. And werkzeug's line per request is not written (errors still are).
#    Then requests are handled one at a time, as that lock used to make them: Python runs one thread
#    at a time anyway, and with 40 requests competing freely a few waited so long that publishes
#    timed out after 30 s while later ones were answered. (So a long poll would stall the server:
#    the tests short-poll, see MotoServer.url.) The fuzz scenario now takes about 5 minutes on a
#    loaded machine (load average 8) instead of not ending; the crash scenario 70 s instead of over 3 minutes.
import logging  # noqa: E402

import moto.backends as backends  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: moto_modules
backend_of_host = {}
original_backend_for_host = DomainDispatcherApplication.get_backend_for_host


def get_backend_for_host(self, host):
    if host not in backend_of_host:
        backend_of_host[host] = original_backend_for_host(self, host)
    return backend_of_host[host]


DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
# Every request listed its response class's methods through inspect.getmembers to check that the
# action exists (5% of the server's time in the same profile); a class's methods do not change.
import moto.core.responses as core_responses  # noqa: E402

method_names = {}
original_method_names = core_responses.method_names_from_class


def method_names_from_class(clazz):
    found = method_names.get(clazz)
    if found is None:
        found = method_names[clazz] = original_method_names(clazz)
    return found


core_responses.method_names_from_class = method_names_from_class
request_lock = threading.Lock()
original_call = DomainDispatcherApplication.__call__


def one_request_at_a_time(self, environ, start_response):
    with request_lock:
        return original_call(self, environ, start_response)


DomainDispatcherApplication.__call__ = one_request_at_a_time
logging.getLogger("werkzeug").setLevel(logging.WARNING)


# 5. Speed, per received message. Profiled (cProfile, which slows everything down alike) under the
#    fuzz scenario of the reliability suite: 22 500 requests, among them 6 700 receives of 20 400
#    messages in all. A receive listed every visible message of the queue before taking the first
#    ten: 8 s of the 166 s profiled, 1.2 ms a receive. The visible messages are now found as the
#    receive iterates, so it stops after those it takes; how many there are and whether there are
#    any are computed as before. Each received message read the queue's retention period through
#    GetQueueAttributes' code path, which builds the queue's attribute map three times (these maps
#    took 11 s): it is read from the queue, as that map would have. And each received message was
#    deep-copied (7 s) before its message attributes were filtered into a new map: a shallow copy
#    gives the same response (the filter replaces the copy's map, never changes the message's).
import copy  # noqa: E402

original_retention_check = models.SQSBackend.is_message_valid_based_on_retention_period


def is_message_valid_based_on_retention_period(self, queue_name, message):
    period = self.get_queue(queue_name).message_retention_period
    if period is None:
        return original_retention_check(self, queue_name, message)
    return period + message.sent_timestamp / 1000 > unix_time()


models.SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
original_deepcopy = models.deepcopy


def copy_for_receive(value):
    return copy.copy(value) if type(value) is models.Message else original_deepcopy(value)


models.deepcopy = copy_for_receive

# 6. Speed of moto's request parsing and response writing, which in the same profile took more of
#    the server's time than SQS's and SNS's own work (21 s and 39 s of 166 s). Parsing a
#    query-protocol request (SNS's PublishBatch with message attributes) asked, for every structure
#    it might hold, whether any of the request's parameter names starts with the structure's
#    prefix, one scan of all names each: 24 ms a PublishBatch. The names are now sorted once per
#    request and looked up by bisection. Writing a response worked out, for every member of every
#    shape written, which attribute names to try on the object (six alias rules instantiated per
#    member, and a context object per member): the names depend only on the picker, the object's
#    class, the member's name, its shape and the shape's parent, and are remembered for those (the
#    entry keeps shape and parent alive, so an identity is never reused). Without the profiler,
#    5 and 6 together took the server's CPU time over the fuzz scenario from 59 s to 44 s (in
#    requests: 39 s to 26 s; in ReceiveMessage's own work: 14.7 s to 6.1 s).
import bisect  # noqa: E402

import moto.core.parse as core_parse  # noqa: E402
import moto.core.serialize as core_serialize  # noqa: E402

original_gonna_recurse = core_parse.QueryParser._gonna_recurse


def gonna_recurse(self, query_params, prefix):
    if prefix == "":
        return False
    cached = self.__dict__.get("_courier_names")
    if cached is None or cached[0] is not query_params:
        try:
            names = sorted(query_params)
        except TypeError:
            return original_gonna_recurse(self, query_params, prefix)
        cached = self._courier_names = (query_params, names)
    names = cached[1]
    at = bisect.bisect_left(names, prefix)
    return not (at < len(names) and names[at].startswith(prefix))


core_parse.QueryParser._gonna_recurse = gonna_recurse
possible_keys = {}
MISSING = core_serialize.MISSING


def keys_to_try(picker, obj, key, shape, context_of):
    """The attribute names picker tries for member key of obj; context_of() makes its context."""
    if "Meta" in getattr(obj, "__dict__", ()):
        return list(picker.get_possible_keys(context_of()))
    parent = getattr(shape, "parent", None)
    entry_key = (type(picker), tuple(picker.alias_providers), type(obj), key, id(shape), id(parent))
    entry = possible_keys.get(entry_key)
    if entry is None or entry[0] is not shape or entry[1] is not parent:
        if len(possible_keys) > 100_000:
            possible_keys.clear()
        entry = possible_keys[entry_key] = (shape, parent, list(picker.get_possible_keys(context_of())))
    return entry[2]


def first_value(obj, keys):
    for possible_key in keys:
        value = core_utils.get_value(obj, possible_key, MISSING)
        if value is not MISSING:
            return value
    return None


def pick(self, context):
    value = first_value(context.obj, keys_to_try(self, context.obj, context.key, context.shape, lambda: context))
    key_path = f"{context.key_path}.{context.key}"
    for transform_path, transform in self.response_transformers.items():
        if key_path.endswith(transform_path):
            value = transform(value)
            break
    return value


core_serialize.AttributePicker.__call__ = pick
original_serializer_get_value = core_serialize.ResponseSerializer.get_value


def serializer_get_value(self, value, key, shape):
    picker = self._value_picker
    if not isinstance(picker, core_serialize.AttributePicker) or type(picker).__call__ is not pick \
            or picker.response_transformers:
        return original_serializer_get_value(self, value, key, shape)
    return first_value(value, keys_to_try(picker, value, key, shape, lambda: core_serialize.AttributePickerContext(
        obj=value, key=key, shape=shape, operation_model=self.operation_model,
        service_model=self.operation_model.service_model, key_path=".".join(self.path))))


core_serialize.ResponseSerializer.get_value = serializer_get_value

from moto.server import main  # noqa: E402

main(sys.argv[1:])

package dev.courier.transport.aws;

import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips, with the reason in the test report, the suite scenarios moto_server is too slow for:
 * each publishes thousands of FIFO messages and needs them confirmed within a publish timeout the
 * suite fixes (15 or 30 s) or within a few minutes. moto (a Python process) handles a few hundred
 * messages a second on an idle machine, and its SQS sends scan the queue's backlog, so on a shared
 * build machine it falls far short. They run with {@code -Dcourier.aws.loadTest=true}, and always
 * against real AWS ({@code -Paws-real}). Nothing else is skipped.
 */
final class BeyondMotosThroughput implements ExecutionCondition {

    static final Set<String> SCENARIOS = Set.of(
            "twenty_concurrent_publishers_of_five_hundred_messages_lose_nothing",
            "a_thousand_concurrent_requests_from_ten_threads_each_get_their_own_reply",
            "a_consumer_killed_mid_stream_loses_no_message",
            "ten_thousand_generated_inputs_are_each_delivered_intact_rejected_or_dead_lettered",
            "ten_thousand_messages_with_random_delays_up_to_60_seconds_are_all_handled");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        boolean heavy = context.getTestMethod().map(m -> SCENARIOS.contains(m.getName())).orElse(false);
        if (heavy && !MotoServer.REAL_AWS && !Boolean.getBoolean("courier.aws.loadTest")) {
            return ConditionEvaluationResult.disabled("moto_server cannot confirm thousands of FIFO publishes within this"
                    + " scenario's time on a shared machine; run with -Dcourier.aws.loadTest=true or -Paws-real");
        }
        return ConditionEvaluationResult.enabled("runs");
    }
}

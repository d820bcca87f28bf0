package dev.courier.testkit;

import dev.courier.internal.memory.MemoryBrokerControl;

/** Delayed delivery on the reference transport: one timer thread, the restart scenario included. */
class MemoryDelayedDeliveryTest extends DelayedDeliverySuite {

    @Override
    protected String url() {
        return "memory://delayed";
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return new RestartableBroker() {
            @Override
            public String url() {
                return "memory://delayed-restartable";
            }

            @Override
            public void stop() {
                MemoryBrokerControl.stop("delayed-restartable");
            }

            @Override
            public void start() {
                MemoryBrokerControl.start("delayed-restartable");
            }
        };
    }
}

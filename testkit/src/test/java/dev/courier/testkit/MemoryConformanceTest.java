package dev.courier.testkit;

import dev.courier.internal.memory.MemoryBrokerControl;

/** The reference transport passes the whole contract, the restart scenario included. */
class MemoryConformanceTest extends ConformanceSuite {

    @Override
    protected String url() {
        return "memory://conformance";
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return new RestartableBroker() {
            @Override
            public String url() {
                return "memory://restartable";
            }

            @Override
            public void stop() {
                MemoryBrokerControl.stop("restartable");
            }

            @Override
            public void start() {
                MemoryBrokerControl.start("restartable");
            }
        };
    }
}

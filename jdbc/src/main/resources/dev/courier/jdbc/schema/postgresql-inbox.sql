-- Courier inbox table: one row per (consumer group, message id) handled, written in the
-- handler's transaction; rows older than the retention are pruned.
CREATE TABLE IF NOT EXISTS courier_inbox (
    group_name  VARCHAR(100) NOT NULL,
    message_id  VARCHAR(255) NOT NULL,
    received_at BIGINT       NOT NULL,
    PRIMARY KEY (group_name, message_id)
);
-- pruning by age
CREATE INDEX IF NOT EXISTS courier_inbox_received ON courier_inbox (received_at);

-- Courier outbox table for MariaDB (10.6 or later: SKIP LOCKED) and MySQL 8. Rows are written by
-- Outbox.publish in the caller's transaction and deleted by a relay once the broker confirmed them.
CREATE TABLE IF NOT EXISTS courier_outbox (
    seq          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_id   VARCHAR(255) NOT NULL,
    topic        VARCHAR(120) NOT NULL,
    message_key  VARCHAR(255),
    headers      MEDIUMTEXT   NOT NULL,
    event_type   VARCHAR(120),
    content_type VARCHAR(255) NOT NULL,
    created_at   BIGINT       NOT NULL,
    payload      LONGBLOB     NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
-- finds the oldest row of a key (per-key order across relays)
CREATE INDEX IF NOT EXISTS courier_outbox_key_seq ON courier_outbox (message_key, seq);

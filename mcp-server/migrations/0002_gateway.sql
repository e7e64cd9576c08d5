-- The budget gateway: virtual keys (only a hash of each secret) and the task each gateway
-- hold was taken for. A key's budget windows are ordinary ledger accounts (vk/KEY/START).

CREATE TABLE ledger_keys (
    id            text   PRIMARY KEY,
    -- The key's spec as JSON (budget, period, reset, models, limits, secret_sha256, memo).
    spec          text   NOT NULL,
    created_at_ms bigint NOT NULL,
    revoked_at_ms bigint
);

CREATE TABLE ledger_gateway_tasks (
    hold_id        text   PRIMARY KEY REFERENCES ledger_holds (id),
    key_id         text   NOT NULL REFERENCES ledger_keys (id),
    model          text   NOT NULL,
    task_type      text   NOT NULL,
    -- The estimate's inputs and prices as JSON text, kept so settlement never re-reads a price.
    quote          text   NOT NULL,
    opened_at_ms   bigint NOT NULL,
    task_id        text   UNIQUE,
    attached_at_ms bigint,
    CONSTRAINT ledger_gateway_tasks_attached CHECK ((task_id IS NULL) = (attached_at_ms IS NULL))
);

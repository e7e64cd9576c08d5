-- The hold ledger. Amounts are whole PiAPI points (1 USD = 10,000,000 points), so
-- sums are exact integers; times are milliseconds since the Unix epoch on the ledger's clock.

CREATE TABLE ledger_accounts (
    id              text   PRIMARY KEY,
    credited_points bigint NOT NULL DEFAULT 0,
    posted_points   bigint NOT NULL DEFAULT 0,
    pending_points  bigint NOT NULL DEFAULT 0,
    -- The part of posted_points charged after its hold had expired.
    late_points     bigint NOT NULL DEFAULT 0,
    CONSTRAINT ledger_accounts_non_negative
        CHECK (credited_points >= 0 AND posted_points >= 0 AND pending_points >= 0 AND late_points >= 0),
    -- The no-overspend invariant, enforced a second time by the database itself: only late
    -- charges (real money already spent) may take an account past what it was credited.
    CONSTRAINT ledger_accounts_no_overspend
        CHECK (pending_points + posted_points - late_points <= credited_points)
);

CREATE TABLE ledger_holds (
    id               text   PRIMARY KEY,
    account          text   NOT NULL REFERENCES ledger_accounts (id),
    amount_points    bigint NOT NULL CHECK (amount_points > 0),
    created_at_ms    bigint NOT NULL,
    ttl_ms           bigint NOT NULL CHECK (ttl_ms > 0),
    expires_at_ms    bigint NOT NULL,
    memo             text,
    state            text   NOT NULL CHECK (state IN ('pending', 'settled', 'released', 'expired')),
    resolved_at_ms   bigint,
    charge_points    bigint CHECK (charge_points >= 0),
    charged_at_ms    bigint,
    charge_reference text,
    CONSTRAINT ledger_holds_resolution CHECK ((state = 'pending') = (resolved_at_ms IS NULL))
);

-- The sweeper's work list and list_holds' order.
CREATE INDEX ledger_holds_pending_by_expiry ON ledger_holds (expires_at_ms) WHERE state = 'pending';
CREATE INDEX ledger_holds_pending_by_age ON ledger_holds (created_at_ms, id) WHERE state = 'pending';

CREATE TABLE ledger_grants (
    id            text   PRIMARY KEY,
    account       text   NOT NULL REFERENCES ledger_accounts (id),
    amount_points bigint NOT NULL CHECK (amount_points > 0),
    bonus_points  bigint NOT NULL CHECK (bonus_points >= 0),
    granted_at_ms bigint NOT NULL,
    memo          text
);

-- Consents (privacy notice acknowledged; consent to share data with a named organisation for a
-- purpose, with expiry and revocation) and referrals to and from external services, with the
-- history of their status changes. All belong to a case file. Mirrored in migrations/postgres.

CREATE TABLE consents (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    kind TEXT NOT NULL CHECK (kind IN ('privacy_notice', 'data_sharing')),
    privacy_notice_version TEXT CHECK (length(privacy_notice_version) <= 50),
    organisation TEXT CHECK (length(organisation) <= 200),
    purpose TEXT CHECK (length(purpose) <= 1000),
    given_on TEXT NOT NULL,
    expires_on TEXT,
    revoked_on TEXT,
    revocation_reason TEXT,
    version INTEGER NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT consents_privacy_notice_needs_version
        CHECK (kind <> 'privacy_notice' OR privacy_notice_version IS NOT NULL),
    CONSTRAINT consents_data_sharing_needs_terms
        CHECK (kind <> 'data_sharing' OR (organisation IS NOT NULL AND purpose IS NOT NULL)),
    CONSTRAINT consents_dates_in_order
        CHECK ((expires_on IS NULL OR expires_on >= given_on)
           AND (revoked_on IS NULL OR revoked_on >= given_on)),
    CONSTRAINT consents_revocation_has_reason
        CHECK ((revoked_on IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX consents_case_file_idx ON consents (case_file_id, id);

CREATE TABLE referrals (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    direction TEXT NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    service TEXT NOT NULL CHECK (service IN ('employment_centre', 'labour_agency',
        'mental_health_centre', 'addiction_service', 'probation_office', 'health_district',
        'cooperative', 'other')),
    organisation TEXT NOT NULL CHECK (length(organisation) <= 200),
    reason TEXT NOT NULL CHECK (length(reason) <= 4000),
    status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'rejected', 'closed')),
    sent_on TEXT NOT NULL,
    reply_text TEXT,
    replied_on TEXT,
    closed_on TEXT,
    version INTEGER NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX referrals_case_file_idx ON referrals (case_file_id, id);
CREATE INDEX referrals_service_status_idx ON referrals (service, status, id);

CREATE TABLE referral_events (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    note TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, recorded_at);

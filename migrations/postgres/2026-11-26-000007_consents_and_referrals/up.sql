-- Consents (privacy notice acknowledged; consent to share data with a named organisation for a
-- purpose, with expiry and revocation) and referrals to and from external services, with the
-- history of their status changes. All belong to a case file. Mirrored in migrations/sqlite.

CREATE TABLE consents (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    kind text NOT NULL CHECK (kind IN ('privacy_notice', 'data_sharing')),
    privacy_notice_version text CHECK (length(privacy_notice_version) <= 50),
    organisation text CHECK (length(organisation) <= 200),
    purpose text CHECK (length(purpose) <= 1000),
    given_on date NOT NULL,
    expires_on date,
    revoked_on date,
    revocation_reason text,
    version bigint NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
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
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    direction text NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    service text NOT NULL CHECK (service IN ('employment_centre', 'labour_agency',
        'mental_health_centre', 'addiction_service', 'probation_office', 'health_district',
        'cooperative', 'other')),
    organisation text NOT NULL CHECK (length(organisation) <= 200),
    reason text NOT NULL CHECK (length(reason) <= 4000),
    status text NOT NULL CHECK (status IN ('sent', 'accepted', 'rejected', 'closed')),
    sent_on date NOT NULL,
    reply_text text,
    replied_on date,
    closed_on date,
    version bigint NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX referrals_case_file_idx ON referrals (case_file_id, id);
CREATE INDEX referrals_service_status_idx ON referrals (service, status, id);

CREATE TABLE referral_events (
    id uuid PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals (id),
    transition text NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    occurred_on date NOT NULL,
    note text,
    author_id uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, recorded_at);

/**
 * The ledger's tables, in SQLite and in PostgreSQL. One database holds the service's whole state: models
 * and their versions, the deletion requests with their sample ids, jobs, reports, pilots, API tokens
 * and the hash-chained event log. Migrations are numbered and applied inside one transaction each
 * (SQLite: PRAGMA user_version; PostgreSQL: the tmu_schema table). Both backends hold the same tables
 * with the same meaning, so a ledger can be copied from one to the other row by row.
 *
 * @module
 */

/** SQLite migration n brings the schema from version n to n + 1. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('requester', 'operator', 'auditor')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    split_digest TEXT NOT NULL,
    dataset TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    production_version TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE model_versions (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    parent_id TEXT REFERENCES model_versions(id),
    digest TEXT NOT NULL,
    path TEXT NOT NULL,
    method TEXT,
    params TEXT,
    job_id TEXT,
    forgotten_count INTEGER NOT NULL,
    forgotten_digest TEXT,
    status TEXT NOT NULL CHECK (status IN ('root', 'candidate', 'rejected', 'promoted')),
    created_at TEXT NOT NULL
  );
  CREATE INDEX model_versions_model ON model_versions(model_id);
  CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'evaluated', 'piloting', 'promoted', 'rejected', 'failed')),
    status_reason TEXT,
    ids_count INTEGER NOT NULL,
    ids_digest TEXT NOT NULL,
    idempotency_key TEXT,
    body_digest TEXT NOT NULL,
    job_id TEXT,
    version_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (token_id, idempotency_key)
  );
  CREATE INDEX requests_model_status ON requests(model_id, status);
  CREATE TABLE request_samples (
    request_id TEXT NOT NULL REFERENCES requests(id),
    sample_id TEXT NOT NULL,
    PRIMARY KEY (request_id, sample_id)
  ) WITHOUT ROWID;
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    parent_version TEXT NOT NULL REFERENCES model_versions(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    method TEXT NOT NULL,
    params TEXT NOT NULL,
    version_id TEXT,
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE TABLE job_requests (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    request_id TEXT NOT NULL REFERENCES requests(id),
    PRIMARY KEY (job_id, request_id)
  ) WITHOUT ROWID;
  CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    version_id TEXT REFERENCES model_versions(id),
    kind TEXT NOT NULL CHECK (kind IN ('evaluate', 'pilot')),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE pilots (
    version_id TEXT PRIMARY KEY REFERENCES model_versions(id),
    model_id TEXT NOT NULL REFERENCES models(id),
    target INTEGER NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    disagreements INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('running', 'passed', 'failed'))
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX events_subject ON events(subject);
  -- The log is append-only for the service; someone with the file can still drop these triggers, which is
  -- what the hash chain is for.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
  `,

  // 2: the client role (production callers, whose traffic alone counts for pilots), pilots' start time
  // and the distinct client tokens that fed them, at most one version per job.
  `
  CREATE TABLE tokens_v2 (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('requester', 'operator', 'auditor', 'client')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  INSERT INTO tokens_v2 (id, name, role, token_hash, created_at, revoked_at)
    SELECT id, name, role, token_hash, created_at, revoked_at FROM tokens;
  DROP TABLE tokens;
  ALTER TABLE tokens_v2 RENAME TO tokens;
  ALTER TABLE pilots ADD COLUMN started_at TEXT;
  CREATE TABLE pilot_clients (
    version_id TEXT NOT NULL REFERENCES pilots(version_id),
    token_id TEXT NOT NULL,
    PRIMARY KEY (version_id, token_id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX model_versions_job ON model_versions(job_id);
  CREATE INDEX models_path ON models(path);
  CREATE INDEX jobs_status ON jobs(status);
  `,
];

/** PostgreSQL migration n brings the schema from version n to n + 1 (version 1 matches SQLite's 2). */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('requester', 'operator', 'auditor', 'client')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    split_digest TEXT NOT NULL,
    dataset TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    production_version TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX models_path ON models(path);
  CREATE TABLE model_versions (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    parent_id TEXT REFERENCES model_versions(id),
    digest TEXT NOT NULL,
    path TEXT NOT NULL,
    method TEXT,
    params TEXT,
    job_id TEXT,
    forgotten_count INTEGER NOT NULL,
    forgotten_digest TEXT,
    status TEXT NOT NULL CHECK (status IN ('root', 'candidate', 'rejected', 'promoted')),
    created_at TEXT NOT NULL
  );
  CREATE INDEX model_versions_model ON model_versions(model_id);
  CREATE UNIQUE INDEX model_versions_job ON model_versions(job_id);
  CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'evaluated', 'piloting', 'promoted', 'rejected', 'failed')),
    status_reason TEXT,
    ids_count INTEGER NOT NULL,
    ids_digest TEXT NOT NULL,
    idempotency_key TEXT,
    body_digest TEXT NOT NULL,
    job_id TEXT,
    version_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (token_id, idempotency_key)
  );
  CREATE INDEX requests_model_status ON requests(model_id, status);
  CREATE TABLE request_samples (
    request_id TEXT NOT NULL REFERENCES requests(id),
    sample_id TEXT NOT NULL,
    PRIMARY KEY (request_id, sample_id)
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES models(id),
    parent_version TEXT NOT NULL REFERENCES model_versions(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    method TEXT NOT NULL,
    params TEXT NOT NULL,
    version_id TEXT,
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX jobs_status ON jobs(status);
  CREATE TABLE job_requests (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    request_id TEXT NOT NULL REFERENCES requests(id),
    PRIMARY KEY (job_id, request_id)
  );
  CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    version_id TEXT REFERENCES model_versions(id),
    kind TEXT NOT NULL CHECK (kind IN ('evaluate', 'pilot')),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE pilots (
    version_id TEXT PRIMARY KEY REFERENCES model_versions(id),
    model_id TEXT NOT NULL REFERENCES models(id),
    target INTEGER NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    disagreements INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('running', 'passed', 'failed')),
    started_at TEXT
  );
  CREATE TABLE pilot_clients (
    version_id TEXT NOT NULL REFERENCES pilots(version_id),
    token_id TEXT NOT NULL,
    PRIMARY KEY (version_id, token_id)
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX events_subject ON events(subject);
  -- Append-only for the service; a database owner can still drop these triggers, which is what the hash
  -- chain is for.
  CREATE FUNCTION tmu_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'ledger events are append-only';
  END $$;
  CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION tmu_events_append_only();
  CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tmu_events_append_only();
  `,
];

/** The tables of a ledger, parents before children (the order a copy inserts them in). */
export const LEDGER_TABLES = [
  'tokens',
  'models',
  'model_versions',
  'requests',
  'request_samples',
  'jobs',
  'job_requests',
  'reports',
  'pilots',
  'pilot_clients',
  'events',
] as const;

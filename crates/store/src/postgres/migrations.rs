//! PostgreSQL schema migrations, applied in order and tracked in `schema_version`.
//!
//! Append new steps; never edit a released one. Version 1 is the SQLite schema as of its
//! migration 15, translated: times are BIGINT Unix seconds as on SQLite (so row mapping is
//! shared), lists and details stay JSON text, report files are BYTEA, row ids BIGSERIAL.

use postgres::Client;

use crate::StoreError;

/// Advisory lock key held while migrating ("csfeed" and 1), so two processes starting at
/// once do not both create the tables.
const MIGRATION_LOCK: i64 = 0x6373_6665_6564_0001;

const MIGRATIONS: &[&str] = &[
    // 1: everything up to SQLite's migration 15.
    r#"
    CREATE TABLE sources (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        url            TEXT NOT NULL,
        kind           TEXT NOT NULL,
        interval_secs  BIGINT NOT NULL,
        enabled        BOOLEAN NOT NULL,
        in_config      BOOLEAN NOT NULL DEFAULT TRUE,
        fetch_url      TEXT,
        options        TEXT NOT NULL DEFAULT '{}',
        paused_at      BIGINT
    );

    CREATE TABLE fetch_state (
        source_id            TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
        last_attempt_at      BIGINT,
        last_success_at      BIGINT,
        last_error           TEXT,
        last_status          BIGINT,
        consecutive_failures BIGINT NOT NULL DEFAULT 0,
        etag                 TEXT,
        last_modified        TEXT,
        next_due_at          BIGINT,
        redirect_to          TEXT,
        redirect_seen        BIGINT NOT NULL DEFAULT 0,
        last_body_bytes      BIGINT,
        bytes_saved          BIGINT NOT NULL DEFAULT 0,
        fetches              BIGINT NOT NULL DEFAULT 0,
        not_modified         BIGINT NOT NULL DEFAULT 0
    );

    CREATE TABLE http_cache (
        url            TEXT PRIMARY KEY,
        etag           TEXT,
        last_modified  TEXT,
        checked_at     BIGINT NOT NULL,
        body_bytes     BIGINT
    );

    CREATE TABLE articles (
        id                 TEXT PRIMARY KEY,
        source_id          TEXT NOT NULL REFERENCES sources(id),
        guid               TEXT NOT NULL,
        url                TEXT,
        title              TEXT NOT NULL,
        published_at       BIGINT,
        updated_at         BIGINT,
        first_seen_at      BIGINT NOT NULL,
        changed_at         BIGINT NOT NULL,
        sort_at            BIGINT NOT NULL,
        authors            TEXT NOT NULL,
        summary            TEXT NOT NULL,
        content_html       TEXT NOT NULL,
        content_text       TEXT NOT NULL,
        fingerprint        TEXT NOT NULL,
        change_seq         BIGINT NOT NULL,
        local_authorities  TEXT NOT NULL DEFAULT '[]',
        topics             TEXT NOT NULL DEFAULT '[]',
        story_id           TEXT
    );
    CREATE UNIQUE INDEX articles_by_change_seq ON articles(change_seq);
    CREATE INDEX articles_by_sort_at ON articles(sort_at DESC);
    CREATE INDEX articles_by_source ON articles(source_id, sort_at DESC);
    CREATE INDEX articles_by_story ON articles(story_id);
    CREATE INDEX articles_by_url ON articles(url);
    CREATE INDEX articles_by_guid ON articles(guid);
    CREATE INDEX articles_by_sort_source_councils ON articles(sort_at, source_id) INCLUDE (local_authorities);

    CREATE TABLE article_sources (
        article_id     TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source_id      TEXT NOT NULL REFERENCES sources(id),
        url            TEXT,
        first_seen_at  BIGINT NOT NULL,
        PRIMARY KEY (article_id, source_id)
    );

    CREATE TABLE inspections (
        report_url        TEXT PRIMARY KEY,
        urn               TEXT NOT NULL,
        gss_code          TEXT,
        kind              TEXT NOT NULL,
        visit_start       TEXT,
        visit_end         TEXT,
        published         TEXT,
        lead_inspector    TEXT,
        inspectors        TEXT NOT NULL,
        judgements        TEXT NOT NULL,
        headline          TEXT,
        origin            TEXT NOT NULL,
        priority_actions  TEXT NOT NULL DEFAULT '[]',
        improvements      TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX inspections_by_council ON inspections(gss_code, published DESC);
    CREATE INDEX inspections_by_urn ON inspections(urn);

    CREATE TABLE report_files (
        report_url    TEXT PRIMARY KEY,
        content_type  TEXT NOT NULL,
        body          BYTEA NOT NULL,
        stored_at     BIGINT NOT NULL
    );

    CREATE TABLE inspection_notes (
        report_url  TEXT NOT NULL,
        field       TEXT NOT NULL,
        history     TEXT,
        report      TEXT,
        kept        TEXT,
        reason      TEXT NOT NULL,
        PRIMARY KEY (report_url, field)
    );

    CREATE TABLE subscribers (
        id                    BIGSERIAL PRIMARY KEY,
        email                 TEXT NOT NULL UNIQUE,
        frequency             TEXT NOT NULL,
        created_at            BIGINT NOT NULL,
        confirmed_at          BIGINT,
        unsubscribed_at       BIGINT,
        confirmation_sent_at  BIGINT,
        refused_periods       BIGINT NOT NULL DEFAULT 0,
        last_refused_period   TEXT,
        suspended_at          BIGINT,
        requested_frequency   TEXT
    );
    CREATE TABLE follows (
        id             BIGSERIAL PRIMARY KEY,
        subscriber_id  BIGINT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        query          TEXT NOT NULL,
        label          TEXT NOT NULL,
        created_at     BIGINT NOT NULL,
        confirmed_at   BIGINT,
        UNIQUE (subscriber_id, query)
    );
    CREATE TABLE deliveries (
        id             BIGSERIAL PRIMARY KEY,
        subscriber_id  BIGINT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        period         TEXT NOT NULL,
        status         TEXT NOT NULL,
        window_start   BIGINT NOT NULL,
        window_end     BIGINT NOT NULL,
        items          BIGINT NOT NULL DEFAULT 0,
        error          TEXT,
        created_at     BIGINT NOT NULL,
        finished_at    BIGINT,
        UNIQUE (subscriber_id, period)
    );
    CREATE INDEX deliveries_by_subscriber ON deliveries(subscriber_id, window_end DESC);

    CREATE TABLE publications (
        source_id        TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        url              TEXT NOT NULL,
        listing_url      TEXT NOT NULL,
        details          TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'failed')),
        attempts         BIGINT NOT NULL DEFAULT 0,
        last_error       TEXT,
        next_attempt_at  BIGINT,
        listed_at        BIGINT NOT NULL,
        -- SQLite lists due publications in rowid order (first listed first); this keeps it.
        listed_order     BIGSERIAL,
        PRIMARY KEY (source_id, url)
    );
    CREATE INDEX publications_by_status ON publications(source_id, status);
    "#,
    // 2: leases and host slots (SQLite's migration 16): several writers split the work and
    // share per-host politeness. Times in Unix milliseconds.
    r#"
    CREATE TABLE leases (
        name        TEXT PRIMARY KEY,
        holder      TEXT NOT NULL,
        expires_at  BIGINT NOT NULL
    );
    CREATE TABLE host_slots (
        host     TEXT PRIMARY KEY,
        next_at  BIGINT NOT NULL
    );
    "#,
];

/// Brings the schema to the newest version, one transaction per step, holding an advisory
/// lock so that a second process waits and then finds the work done.
pub(crate) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let migrated = apply(client);
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    migrated?;
    unlocked?;
    Ok(())
}

fn apply(client: &mut Client) -> Result<(), StoreError> {
    client.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let found: i64 = match client.query_opt("SELECT max(version) FROM schema_version", &[])? {
        Some(row) => row.try_get::<_, Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    };
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let mut transaction = client.transaction()?;
        transaction.batch_execute(step)?;
        transaction.execute("DELETE FROM schema_version", &[])?;
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(index as i64 + 1)],
        )?;
        transaction.commit()?;
    }
    Ok(())
}

//! Schema migrations, applied in order and tracked in SQLite's `user_version`.
//!
//! Append new steps; never edit a released one.

use rusqlite::Connection;

use crate::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: sources, their fetch state, articles.
    r#"
    CREATE TABLE sources (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        url            TEXT NOT NULL,
        kind           TEXT NOT NULL,
        interval_secs  INTEGER NOT NULL,
        enabled        INTEGER NOT NULL,
        in_config      INTEGER NOT NULL DEFAULT 1
    ) STRICT;

    CREATE TABLE fetch_state (
        source_id            TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
        last_attempt_at      INTEGER,
        last_success_at      INTEGER,
        last_error           TEXT,
        last_status          INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        etag                 TEXT,
        last_modified        TEXT,
        next_due_at          INTEGER
    ) STRICT;

    CREATE TABLE articles (
        id             TEXT PRIMARY KEY,
        source_id      TEXT NOT NULL REFERENCES sources(id),
        guid           TEXT NOT NULL,
        url            TEXT,
        title          TEXT NOT NULL,
        published_at   INTEGER,
        updated_at     INTEGER,
        first_seen_at  INTEGER NOT NULL,
        changed_at     INTEGER NOT NULL,
        sort_at        INTEGER NOT NULL,
        authors        TEXT NOT NULL,
        summary        TEXT NOT NULL,
        content_html   TEXT NOT NULL,
        content_text   TEXT NOT NULL,
        fingerprint    TEXT NOT NULL,
        change_seq     INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX articles_by_change_seq ON articles(change_seq);
    CREATE INDEX articles_by_sort_at ON articles(sort_at DESC);
    CREATE INDEX articles_by_source ON articles(source_id, sort_at DESC);
    "#,
    // 2: permanent redirects, 304 savings, per-URL validators for pages and PDFs.
    r#"
    ALTER TABLE sources ADD COLUMN fetch_url TEXT;
    ALTER TABLE fetch_state ADD COLUMN redirect_to TEXT;
    ALTER TABLE fetch_state ADD COLUMN redirect_seen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fetch_state ADD COLUMN last_body_bytes INTEGER;
    ALTER TABLE fetch_state ADD COLUMN bytes_saved INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fetch_state ADD COLUMN fetches INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fetch_state ADD COLUMN not_modified INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE http_cache (
        url            TEXT PRIMARY KEY,
        etag           TEXT,
        last_modified  TEXT,
        checked_at     INTEGER NOT NULL
    ) STRICT;
    "#,
    // 3: source options (scraping, full text); article tags.
    r#"
    ALTER TABLE sources ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE articles ADD COLUMN local_authorities TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE articles ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
    "#,
    // 4: one story from several sources: exact duplicates (same canonical URL) are
    // recorded against the stored article; near-duplicates share a story id.
    r#"
    ALTER TABLE articles ADD COLUMN story_id TEXT;
    UPDATE articles SET story_id = id;
    CREATE INDEX articles_by_story ON articles(story_id);
    CREATE INDEX articles_by_url ON articles(url);
    CREATE TABLE article_sources (
        article_id     TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source_id      TEXT NOT NULL REFERENCES sources(id),
        url            TEXT,
        first_seen_at  INTEGER NOT NULL,
        PRIMARY KEY (article_id, source_id)
    ) STRICT;
    "#,
    // 5: Ofsted inspections and visits, one row per report.
    r#"
    CREATE TABLE inspections (
        report_url      TEXT PRIMARY KEY,
        urn             TEXT NOT NULL,
        gss_code        TEXT,
        kind            TEXT NOT NULL,
        visit_start     TEXT,
        visit_end       TEXT,
        published       TEXT,
        lead_inspector  TEXT,
        inspectors      TEXT NOT NULL,
        judgements      TEXT NOT NULL,
        headline        TEXT,
        origin          TEXT NOT NULL
    ) STRICT;
    CREATE INDEX inspections_by_council ON inspections(gss_code, published DESC);
    "#,
    // 6: email digest subscribers, what each follows, and every delivery made or begun.
    r#"
    CREATE TABLE subscribers (
        id               INTEGER PRIMARY KEY,
        email            TEXT NOT NULL UNIQUE,
        frequency        TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        confirmed_at     INTEGER,
        unsubscribed_at  INTEGER
    ) STRICT;
    CREATE TABLE follows (
        id             INTEGER PRIMARY KEY,
        subscriber_id  INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        query          TEXT NOT NULL,
        label          TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        UNIQUE (subscriber_id, query)
    ) STRICT;
    CREATE TABLE deliveries (
        id             INTEGER PRIMARY KEY,
        subscriber_id  INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        period         TEXT NOT NULL,
        status         TEXT NOT NULL,
        window_start   INTEGER NOT NULL,
        window_end     INTEGER NOT NULL,
        items          INTEGER NOT NULL DEFAULT 0,
        error          TEXT,
        created_at     INTEGER NOT NULL,
        finished_at    INTEGER,
        UNIQUE (subscriber_id, period)
    ) STRICT;
    CREATE INDEX deliveries_by_subscriber ON deliveries(subscriber_id, window_end DESC);
    "#,
    // 7: duplicate folding reads its candidates from the index alone (date, source,
    // councils) and the stored text only of those that share a council.
    r#"
    CREATE INDEX articles_by_sort_source_councils ON articles(sort_at, source_id, local_authorities);
    "#,
    // 8: when each address was last sent a confirmation link, so that posting the form
    // again and again cannot flood someone's inbox.
    r#"
    ALTER TABLE subscribers ADD COLUMN confirmation_sent_at INTEGER;
    "#,
    // 9: the operator can pause a source at run time (an admin request or `csfeed sources
    // pause`) without editing the config; a config reload leaves the pause alone.
    r#"
    ALTER TABLE sources ADD COLUMN paused_at INTEGER;
    "#,
    // 10: addresses the mail server refuses: in how many periods, the last of them, and
    // when sending stopped because of it.
    r#"
    ALTER TABLE subscribers ADD COLUMN refused_periods INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscribers ADD COLUMN last_refused_period TEXT;
    ALTER TABLE subscribers ADD COLUMN suspended_at INTEGER;
    "#,
    // 11: a change to a subscription takes effect only through a link sent to its owner:
    // follows asked for on the site wait (confirmed_at NULL) until the owner confirms, and
    // so does a new frequency asked for an existing subscription.
    r#"
    ALTER TABLE follows ADD COLUMN confirmed_at INTEGER;
    UPDATE follows SET confirmed_at = created_at
        WHERE subscriber_id IN (SELECT id FROM subscribers WHERE confirmed_at IS NOT NULL);
    ALTER TABLE subscribers ADD COLUMN requested_frequency TEXT;
    "#,
    // 12: publications ledger: every publication a source's listing pages name (an Ofsted
    // report, a scraped story), pending until stored, or failed with its reason and when to
    // try again. A page's validators are saved only with its publications' rows, so a run
    // stopped part-way never leaves a "not modified" page hiding unread publications.
    // Pages read before the ledger existed may hide such publications already: their
    // validators are forgotten so each is read once more and its publications recorded.
    r#"
    CREATE TABLE publications (
        source_id        TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        url              TEXT NOT NULL,
        listing_url      TEXT NOT NULL,
        details          TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'failed')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        last_error       TEXT,
        next_attempt_at  INTEGER,
        listed_at        INTEGER NOT NULL,
        PRIMARY KEY (source_id, url)
    ) STRICT;
    CREATE INDEX publications_by_status ON publications(source_id, status);
    ALTER TABLE http_cache ADD COLUMN body_bytes INTEGER;
    DELETE FROM http_cache;
    "#,
    // 13: undated articles sort below every dated one (`UNDATED_SORT_SHIFT` seconds below
    // their first-seen time), so an undated explainer is never the newest story.
    r#"
    UPDATE articles SET sort_at = first_seen_at - 7884000000
    WHERE published_at IS NULL AND updated_at IS NULL;
    "#,
    // 14: reports as first-class pages: each report's findings (areas for priority action, what
    // needs to improve, as JSON arrays) and the file csfeed read, so it can serve the very
    // PDF behind its facts even when Ofsted's link moves or the source was a local file.
    // Reports read before had neither: they are due again, to be read once more with both
    // (and their new titles and alerts).
    r#"
    ALTER TABLE inspections ADD COLUMN priority_actions TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE inspections ADD COLUMN improvements TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE report_files (
        report_url    TEXT PRIMARY KEY NOT NULL,
        content_type  TEXT NOT NULL,
        body          BLOB NOT NULL,
        stored_at     INTEGER NOT NULL
    ) STRICT;
    UPDATE publications SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = NULL
        WHERE status = 'stored' AND url IN (SELECT report_url FROM inspections WHERE origin = 'report');
    "#,
    // 15: notes for the operator where a report and the bundled history disagree or a
    // fact is impossible (`csfeed ofsted disagreements`); the history's 2012 rows, which
    // link to "report not found" pages, are no inspections.
    r#"
    CREATE TABLE inspection_notes (
        report_url  TEXT NOT NULL,
        field       TEXT NOT NULL,
        history     TEXT,
        report      TEXT,
        kept        TEXT,
        reason      TEXT NOT NULL,
        PRIMARY KEY (report_url, field)
    ) STRICT;
    DELETE FROM inspections WHERE origin = 'history' AND published < '2013-11-01';
    "#,
    // 16: leases, so several writer processes never do the same work at once (a source's
    // fetch, a subscriber's digest), and a crashed holder's lease runs out; and each host's
    // next request slot, so politeness per host holds across processes. Times in ms.
    r#"
    CREATE TABLE leases (
        name        TEXT PRIMARY KEY,
        holder      TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE host_slots (
        host     TEXT PRIMARY KEY,
        next_at  INTEGER NOT NULL
    ) STRICT;
    "#,
];

/// Brings the schema to the newest version, in one transaction per step.
pub(crate) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as i64;
    let found: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let transaction = connection.transaction()?;
        // Another process starting at the same moment may have applied this step already.
        let now_at: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if now_at > index as i64 {
            continue;
        }
        transaction.execute_batch(step)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_before_their_files_were_kept_are_due_again() {
        let connection = Connection::open_in_memory().unwrap();
        let step = MIGRATIONS
            .iter()
            .position(|step| step.contains("CREATE TABLE report_files"))
            .unwrap();
        for earlier in &MIGRATIONS[..step] {
            connection.execute_batch(earlier).unwrap();
        }
        connection
            .execute_batch(
                "INSERT INTO sources (id, name, url, kind, interval_secs, enabled) VALUES
                     ('ofsted', 'Ofsted', 'https://ofsted.example/{urn}', 'ofsted', 60, 1),
                     ('scraped', 'Scraped', 'https://news.example/', 'html', 60, 1);
                 INSERT INTO inspections (report_url, urn, kind, inspectors, judgements, origin) VALUES
                     ('https://ofsted.example/read.pdf', '80560', 'focused_visit', '[]', '{}', 'report'),
                     ('https://ofsted.example/history.pdf', '80560', 'ilacs', '[]', '{}', 'history');
                 INSERT INTO publications (source_id, url, listing_url, details, status, listed_at) VALUES
                     ('ofsted', 'https://ofsted.example/read.pdf', 'p', '{}', 'stored', 0),
                     ('ofsted', 'https://ofsted.example/history.pdf', 'p', '{}', 'stored', 0),
                     ('scraped', 'https://news.example/story', 'p', '{}', 'stored', 0);",
            )
            .unwrap();
        connection.execute_batch(MIGRATIONS[step]).unwrap();
        let status = |url: &str| -> String {
            connection
                .query_row("SELECT status FROM publications WHERE url = ?1", [url], |row| {
                    row.get(0)
                })
                .unwrap()
        };
        assert_eq!(status("https://ofsted.example/read.pdf"), "pending");
        assert_eq!(status("https://ofsted.example/history.pdf"), "stored");
        assert_eq!(status("https://news.example/story"), "stored");
    }
}

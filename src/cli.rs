//! The command line: the names here are a contract other tools and docs rely on.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// csfeed keeps people who work with children in England up to date: it fetches
/// children's-services news on a schedule, indexes it, and serves a searchable news site
/// with RSS feeds of any search.
///
/// Quick start (offline demo): `csfeed serve --config config/demo.toml`, then open the URL
/// it prints.
#[derive(Debug, Parser)]
#[command(name = "csfeed", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (TOML). Default: config/default.toml when it exists, plus
    /// config/local.toml beside it when that exists. CSFEED__SECTION__KEY environment
    /// variables override either (e.g. CSFEED__SERVER__BIND=0.0.0.0:8080).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the database and search index live. Default: storage.data_dir from the
    /// config, else ./data.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output (-v: debug, -vv: trace). RUST_LOG, when set, takes precedence.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the fetch scheduler and the web site together until Ctrl-C or SIGTERM.
    ///
    /// Sources that are due are fetched at once, then each on its own interval; new
    /// stories are searchable within seconds. Prints the URL it serves on.
    Serve(ServeArgs),
    /// Run one fetch cycle now: every due source (or just --source) is fetched, stored
    /// and indexed; then print a summary (with "not modified" answers and the bytes they
    /// saved, and for Ofsted sources the reports listed, downloaded, read, skipped and
    /// still pending). Exits non-zero if any source failed. Safe to kill at any point: the
    /// next run picks up every report or story not yet stored.
    Fetch(FetchArgs),
    /// Search the stored stories from the terminal.
    ///
    /// Query syntax: words (all must match, English stemming), "exact phrase",
    /// -excluded, a OR b, (grouping), prefix*, title:word, source:id, la:st-helens,
    /// region:north-west, topic:kinship-care, kind:focused-visit, grade:inadequate,
    /// inspector:smith, year:2025, after:2025-01, before:2025-07-12. Sector synonyms
    /// ("looked after children", CLA, "children in care") find each other.
    Search(SearchArgs),
    /// Rebuild the search index from the database (after a restore, or if in doubt).
    /// Stop `csfeed serve` first: only one process may write the index.
    Reindex,
    /// Print the councils and topics a text is about, as JSON (what ingestion tags).
    ///
    /// Councils come with their GSS code, slug and region; topics with their slug.
    Tag(TagArgs),
    /// Read Ofsted reports.
    #[command(subcommand)]
    Ofsted(OfstedCommand),
    /// List, pause, resume, refresh, import or export the sources.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// Parse one feed exactly as ingestion would and print its format, title and items
    /// as JSON.
    ///
    /// Reads RSS 0.90 to 2.x (with or without a version, or in Userland's namespace),
    /// RSS 1.0, Atom 0.3 and 1.0 and JSON Feed. Takes a file path or an http(s) URL. On
    /// input that is not a feed, or a feed whose items all lack anything to read, prints a
    /// one-line error and exits non-zero.
    InspectFeed(InspectFeedArgs),
    /// Send the email digest: one email per confirmed subscriber of this frequency with
    /// what is new in the searches they follow. Run it from cron (see deploy/).
    ///
    /// Safe to run again: a subscriber already sent this period's digest is skipped, and a
    /// digest that failed or was cut short is sent again with the same items. Prints a
    /// summary line; exits non-zero only when some digest could not be sent.
    Digest(DigestArgs),
    /// List, add, remove or export digest subscribers.
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
    /// Copy the database to DEST while csfeed keeps running (SQLite's online backup).
    ///
    /// To restore: stop csfeed, copy the file to <data_dir>/csfeed.sqlite3, run `csfeed
    /// reindex`, start csfeed. The search index needs no backup; it is rebuilt from the
    /// database. Keep <data_dir>/secret.key too, or links in emails already sent stop working.
    Backup(BackupArgs),
    /// Check a configuration: settings, every source, email settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Copy the SQLite database (sources, fetch state, articles, publications, inspections
    /// with their notes and files, subscribers, follows, deliveries) into PostgreSQL, then
    /// count every table on both sides.
    ///
    /// Stop csfeed first. Refuses a database that holds rows already unless --replace.
    /// Exits non-zero when a table's counts differ. Then set storage.database_url (or
    /// CSFEED__STORAGE__DATABASE_URL) to the same address; each process rebuilds its index.
    MigrateStore(MigrateStoreArgs),
}

#[derive(Debug, Args)]
pub struct MigrateStoreArgs {
    /// The PostgreSQL database to fill: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Empty the target's tables first instead of refusing a database that has rows.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (a new file).
    #[arg(value_name = "DEST")]
    pub destination: std::path::PathBuf,
    /// Replace DEST if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration (with --config and CSFEED__ overrides) and check it: unknown
    /// keys, source ids and URLs, selectors, councils, email and SMTP settings. Prints what it
    /// found and exits non-zero with the reason on the first problem.
    Check,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Which subscribers to send to.
    #[arg(long, value_enum)]
    pub frequency: FrequencyArg,
    /// Build every digest and report what would be sent, but send and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send to at most this many subscribers this run (the rest get theirs next run).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// The site's public address for the links in the emails (default: server.public_url;
    /// one of them is required to send).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<url::Url>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FrequencyArg {
    Daily,
    Weekly,
}

#[derive(Debug, Subcommand)]
pub enum SubscribersCommand {
    /// Every subscriber (addresses masked unless --full), their frequency, state and follows.
    List {
        /// Show whole addresses.
        #[arg(long)]
        full: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Subscribe an address to a search. Sends the confirmation email unless --confirmed
    /// (only for people who have already agreed to receive it).
    Add {
        /// The address.
        email: String,
        /// A search to follow, in the site's query language (repeatable).
        #[arg(long = "follow", value_name = "QUERY", required = true)]
        follows: Vec<String>,
        /// How often.
        #[arg(long, value_enum, default_value_t = FrequencyArg::Daily)]
        frequency: FrequencyArg,
        /// Record them as confirmed without sending a confirmation email.
        #[arg(long)]
        confirmed: bool,
    },
    /// Delete a subscriber, their follows and delivery history.
    Remove {
        /// The address.
        email: String,
    },
    /// Every subscriber with full address, as CSV (email,frequency,state,follows).
    Export,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Default: server.bind from the config, else 127.0.0.1:8080.
    /// Use port 0 to pick a free port.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Serve the site, feeds and API only: never fetch, never change sources or stories.
    /// The search index under this process's data directory is built from the shared
    /// database on start-up and follows its changes, so a story any writer stores is
    /// searchable here within seconds. For web replicas beside a writer (see deploy/).
    #[arg(long)]
    pub web_only: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Fetch only this source (by id), whether or not it is due.
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub source: Option<String>,
    /// Fetch every enabled, unpaused source now, whether or not it is due.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Newest first.
    Newest,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to search for; several words are joined. To start with an exclusion, put
    /// `--` first: `csfeed search -- -fostering adoption`.
    #[arg(value_name = "QUERY", num_args = 1.., required = true)]
    pub query: Vec<String>,
    /// How many results to show (1–100).
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
    /// Only stories from this source id.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// Only stories dated on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<chrono::NaiveDate>,
    /// Only stories dated on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<chrono::NaiveDate>,
    /// Result order.
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// Also count the matches by kind, source, region, council, topic, grade and year
    /// (each value is an operator you can add to the query, e.g. `year:2025`).
    #[arg(long)]
    pub facets: bool,
    /// Print results as JSON: the `/api/v1/search` schema plus `took_ms`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The text to tag (several words are joined); `-` reads standard input.
    #[arg(value_name = "TEXT", num_args = 1.., required = true)]
    pub text: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InspectFeedArgs {
    /// A feed file, or an http(s) URL to fetch.
    #[arg(value_name = "FILE_OR_URL")]
    pub input: String,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Show every source with its health: status, last success, last error, failures,
    /// next fetch, last HTTP status, bytes saved by "not modified" answers, and the
    /// publications its listing pages name (Ofsted reports, scraped stories) that are
    /// pending or failing (retried with a growing wait; `sources refresh` cuts it short).
    List {
        /// Print JSON (an array of sources) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add the feeds listed in an OPML file (from another feed reader) to a config file.
    ///
    /// Feeds whose URL is already configured are skipped. New sources get ids made from
    /// their titles.
    Import {
        /// The OPML file.
        #[arg(value_name = "FILE.opml")]
        file: std::path::PathBuf,
        /// Config file to append the new [[sources]] to. Default: the --config file, else
        /// config/local.toml.
        #[arg(long, value_name = "CONFIG")]
        into: Option<std::path::PathBuf>,
    },
    /// Print the configured sources as OPML 2.0, for another feed reader.
    Export,
    /// Stop fetching a source on schedule without editing the config (a running server
    /// sees it on its next tick; its stored articles stay searchable). `csfeed fetch --source ID`
    /// still fetches it when asked.
    Pause {
        /// The source's id, as `csfeed sources list` shows it.
        source: String,
    },
    /// Fetch a paused source on schedule again.
    Resume {
        /// The source's id.
        source: String,
    },
    /// Fetch every configured source once, without storing anything, and print a table:
    /// status, HTTP status, items, newest item date, feed format, robots.txt verdict and
    /// what is wrong. Exits non-zero if any source is broken. Ofsted sources are skipped
    /// (they have a page per council).
    Check {
        /// Print JSON (an array of checks) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make a source due now, cutting any backoff after failures short: a running
    /// `csfeed serve` fetches it on its next tick.
    Refresh {
        /// The source's id.
        source: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OfstedCommand {
    /// Print the facts of one Ofsted children's services report (PDF) as JSON: kind,
    /// local_authority, urn, gss_code, visit_start, visit_end, published, inspectors,
    /// lead_inspector, judgements, headline.
    ///
    /// Inspection reports from 2018 do not print their publication date; give it with
    /// --published (from the provider page) when you know it.
    Inspect {
        /// The report.
        #[arg(value_name = "FILE.pdf")]
        file: std::path::PathBuf,
        /// The publication date from the provider page (YYYY-MM-DD), used when the
        /// report does not print one.
        #[arg(long, value_name = "DATE")]
        published: Option<chrono::NaiveDate>,
    },
    /// List where a report read and the bundled history disagreed (the value kept for
    /// each) and every impossible fact withheld (a publication before the visit, a visit
    /// of months), for an operator to check against the report.
    Disagreements {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

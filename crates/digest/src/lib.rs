//! The email digest: what subscribers follow, turned into one email per subscriber per day or
//! week, sent once.
//!
//! `csfeed-digest` sits beside the web site at the end of the pipeline. It reads the store
//! (subscribers, follows, deliveries) and the search index (what is new for each followed
//! search), builds a multipart text + HTML digest, and sends it by SMTP or, with no SMTP
//! configured, writes it to an outbox folder. Every delivery is recorded in the store before
//! it is sent and finished after, so a second run, or a run after a crash, never sends the
//! same digest twice and never skips a window. It also holds the pieces the site's
//! subscribe, confirm and manage pages share: parsed addresses and signed links.
#![deny(missing_docs)]

mod compose;
mod email;
mod error;
mod frequency;
mod mailer;
mod run;
mod token;

pub use compose::{Confirmation, Links, confirmation_email};
pub use email::{InvalidEmail, SubscriberEmail, mask};
pub use error::DigestError;
pub use frequency::Frequency;
pub use mailer::{Mailer, Secret, SmtpSettings, TlsMode};
pub use run::{DeliveryLease, DigestOptions, SUSPEND_AFTER_REFUSALS, Summary, run_digest};
pub use token::{Purpose, Signer, TokenError};

//! Digest errors.

/// A failure building or sending mail. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// Reading or writing the store failed.
    #[error(transparent)]
    Store(#[from] csfeed_store::StoreError),
    /// Searching failed.
    #[error(transparent)]
    Search(#[from] csfeed_search::SearchError),
    /// The message could not be built (a bad From address in config, usually).
    #[error("cannot build the email: {0}")]
    Message(String),
    /// The SMTP server or the outbox refused it.
    #[error("cannot send the email: {0}")]
    Send(String),
    /// The SMTP server refused the recipient for good (550, 551 or 553: no such mailbox).
    #[error("the mail server refused the address: {0}")]
    Refused(String),
    /// The mail settings are unusable.
    #[error("email settings: {0}")]
    Settings(String),
    /// A background task died.
    #[error("digest task failed: {0}")]
    Task(String),
}

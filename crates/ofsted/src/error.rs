//! What can go wrong when reading a report file.

/// Why a file could not be read as an Ofsted report. Every message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfstedError {
    /// The file has no bytes at all.
    #[error("empty file: no PDF to read (a failed or interrupted download?)")]
    Empty,
    /// The file does not start like a PDF; `start` shows what it starts with instead.
    #[error("not a PDF (it starts with {start}): Ofsted sometimes serves an error page for a missing report")]
    NotPdf {
        /// The first few characters of the file, printable and on one line.
        start: String,
    },
    /// The PDF reader rejected the file (truncated, corrupt or encrypted).
    #[error("unreadable PDF: {0}")]
    Unreadable(String),
    /// The PDF reader panicked on the file; the panic was caught.
    #[error("the PDF reader crashed on this file: {0}")]
    ReaderPanicked(String),
    /// The PDF was read but holds no text (a scanned image, or an empty document).
    #[error("the PDF has no text layer (a scanned image?)")]
    NoText,
}

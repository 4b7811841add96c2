//! Reads Ofsted children's services reports and extracts their facts.
//!
//! Ofsted publishes a local authority's children's services reports as PDFs on its
//! provider pages (`https://reports.ofsted.gov.uk/provider/44/<URN>`): ILACS inspections
//! (2018–, standard and short), focused and monitoring visit letters, single inspection
//! framework reports (2013–2017) and older ones. This crate
//!
//! - lists a provider page's publications: [`parse_provider_page`];
//! - reads a report's text, page by page, refusing non-PDFs clearly: [`extract_text`];
//! - reads the facts from that text: [`read_facts`] gives an [`Inspection`] with the kind,
//!   authority, visit and publication dates, inspectors, judgements and headline.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pdf = std::fs::read("report.pdf")?;
//! let text = csfeed_ofsted::extract_text(&pdf)?;
//! let inspection = csfeed_ofsted::read_facts(&text);
//! println!("{}", inspection.local_authority.unwrap_or_default());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod authority;
mod dates;
mod error;
mod findings;
mod headline;
mod inspection;
mod inspectors;
mod judgements;
mod kind;
mod layout;
mod provider;
mod text;

pub use error::OfstedError;
pub use inspection::{Inspection, Successor, read_facts};
pub use judgements::{Grade, keys};
pub use kind::ReportKind;
pub use provider::{Publication, parse_provider_page};
pub use text::{ReportText, extract_text, silence_reader_panics};

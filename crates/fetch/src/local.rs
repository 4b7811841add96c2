//! `file://` sources: local files read with the same caps and validators as HTTP.

use std::path::Path;

use chrono::{DateTime, Utc};
use tokio::io::AsyncReadExt;

use crate::{FetchError, FetchOutcome, Fetched, Validators};

/// Reads a local file, answering "not modified" when its size and modification time match
/// the validators from the previous read.
pub(crate) async fn fetch_file(
    path: &Path,
    previous: &Validators,
    limit_bytes: u64,
) -> Result<FetchOutcome, FetchError> {
    let file_error = |error: std::io::Error| FetchError::File {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    let file = tokio::fs::File::open(path).await.map_err(file_error)?;
    let metadata = file.metadata().await.map_err(file_error)?;
    if !metadata.is_file() {
        return Err(FetchError::File {
            path: path.display().to_string(),
            message: "not a regular file".into(),
        });
    }
    let modified = metadata.modified().ok().map(DateTime::<Utc>::from);
    let validators = Validators {
        etag: modified.map(|m| {
            format!(
                "\"{}-{}\"",
                metadata.len(),
                m.timestamp_nanos_opt().unwrap_or_default()
            )
        }),
        last_modified: modified.map(|m| m.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
    };
    if validators.etag.is_some() && validators.etag == previous.etag {
        return Ok(FetchOutcome::NotModified {
            validators,
            permanent_redirect: None,
        });
    }
    if metadata.len() > limit_bytes {
        return Err(FetchError::TooLarge { limit_bytes });
    }
    let mut body = Vec::with_capacity(metadata.len() as usize);
    file.take(limit_bytes + 1)
        .read_to_end(&mut body)
        .await
        .map_err(file_error)?;
    if body.len() as u64 > limit_bytes {
        return Err(FetchError::TooLarge { limit_bytes });
    }
    Ok(FetchOutcome::Fetched(Fetched {
        body: body.into(),
        content_type: None,
        status: None,
        validators,
        final_url: url::Url::from_file_path(path).map_err(|()| FetchError::File {
            path: path.display().to_string(),
            message: "not an absolute path".into(),
        })?,
        permanent_redirect: None,
    }))
}

//! Where the shared Ofsted fixtures live (`tests/fixtures/ofsted` at the workspace root).

use std::path::PathBuf;

/// The fixture folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/ofsted"
    ))
}

/// A fixture file's bytes.
pub fn read(name: &str) -> Vec<u8> {
    let path = fixtures().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

//! The SQLite backend: the embedded default, one file under the data directory.

mod articles;
mod inspections;
mod leases;
mod migrations;
mod pool;
mod publications;
mod sources;
mod subscriptions;

use std::path::Path;

use pool::Connections;

use crate::{Backend, StoreError};

/// The SQLite database behind a [`crate::Store`].
pub(crate) struct Sqlite {
    connections: Connections,
}

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let connections = Connections::open(path)?;
        connections.write(migrations::migrate)?;
        Ok(Self { connections })
    }
}

impl Backend for Sqlite {
    fn describe(&self) -> String {
        self.connections.path().display().to_string()
    }

    fn sqlite_file(&self) -> Option<&Path> {
        Some(self.connections.path())
    }

    fn backup_to(&self, destination: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError> {
        self.connections.read(|source| {
            let mut target = rusqlite::Connection::open(destination)?;
            let backup = rusqlite::backup::Backup::new(source, &mut target)?;
            loop {
                let step = backup.step(256)?;
                let state = backup.progress();
                progress(state.remaining as u64, state.pagecount as u64);
                match step {
                    rusqlite::backup::StepResult::Done => break,
                    rusqlite::backup::StepResult::More => {}
                    rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    _ => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
            Ok(())
        })
    }
}

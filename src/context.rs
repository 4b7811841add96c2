//! Opening what a command works on: settings, the store, the index, the fetcher.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use csfeed_fetch::Fetcher;
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;

use crate::cli::GlobalArgs;
use crate::settings::LoadedSettings;

/// Database file name inside the data directory.
const DATABASE_FILE: &str = "csfeed.sqlite3";
/// Index folder name inside the data directory.
const INDEX_DIR: &str = "index";

/// Settings plus the data directory they resolve to.
pub struct Context {
    pub loaded: LoadedSettings,
    pub data_dir: PathBuf,
}

impl Context {
    /// Loads the configuration named on the command line.
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Self> {
        let loaded = LoadedSettings::load(global.config.as_deref())?;
        let data_dir = loaded.data_dir(global.data_dir.as_deref());
        Ok(Self { loaded, data_dir })
    }

    /// Opens (creating) the store, leaving its sources as they are.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        let path = self.data_dir.join(DATABASE_FILE);
        Store::open(&path).with_context(|| format!("cannot open the database {}", path.display()))
    }

    /// Opens the store and brings its sources in line with the config.
    pub fn open_store_synced(&self) -> anyhow::Result<Store> {
        let sources = self.loaded.sources()?;
        let store = self.open_store()?;
        store
            .sync_sources(&sources)
            .context("cannot record the configured sources")?;
        // The published history is the starting record; reports read later win over it.
        store
            .upsert_inspections(&csfeed_core::inspection_history())
            .context("cannot load the Ofsted inspection history")?;
        Ok(store)
    }

    /// Opens the search index.
    pub fn open_index(&self, mode: OpenMode) -> anyhow::Result<Arc<SearchIndex>> {
        let path = self.index_path();
        let index = SearchIndex::open(&path, mode)
            .with_context(|| format!("cannot open the search index {}", path.display()))?;
        Ok(Arc::new(index))
    }

    /// Builds the HTTP client from the fetch settings.
    pub fn fetcher(&self) -> anyhow::Result<Fetcher> {
        Fetcher::new(self.loaded.settings.fetch.to_fetch_config()).context("cannot set up the HTTP client")
    }

    fn index_path(&self) -> PathBuf {
        Path::new(&self.data_dir).join(INDEX_DIR)
    }
}

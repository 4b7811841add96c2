//! A few threads that each own a PostgreSQL connection and run the store's jobs.
//!
//! Why threads and not the caller's: the sync `postgres` client runs its own small runtime
//! with `block_on`, which panics when called from inside a tokio runtime, and store methods
//! are sometimes called straight from async code. A worker thread is never inside one. The
//! caller waits on a reply channel, so every store method stays blocking, as with SQLite.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use postgres::{Client, Config, GenericClient, NoTls, Statement};

use crate::StoreError;

thread_local! {
    /// This worker's prepared statements, by SQL text. Running a statement from its text
    /// costs two round trips (prepare, then execute); a statement prepared once per
    /// connection costs one. Emptied whenever the worker's connection is replaced.
    static STATEMENTS: RefCell<HashMap<String, Statement>> = RefCell::new(HashMap::new());
}

/// `sql` prepared on this worker's connection: prepared the first time, then reused. Only
/// for jobs (which run on a worker thread, the one that owns the connection).
pub(crate) fn prepared(client: &mut impl GenericClient, sql: &str) -> Result<Statement, StoreError> {
    if let Some(statement) = STATEMENTS.with_borrow(|cache| cache.get(sql).cloned()) {
        return Ok(statement);
    }
    let statement = client.prepare(sql)?;
    STATEMENTS.with_borrow_mut(|cache| cache.insert(sql.to_owned(), statement.clone()));
    Ok(statement)
}

/// One job: it gets the worker's connection, or why there is none.
type Job = Box<dyn FnOnce(Result<&mut Client, StoreError>) + Send>;

/// The pool. Dropping it ends the threads (each closes its connection).
pub(crate) struct Workers {
    jobs: Sender<Job>,
}

impl Workers {
    /// Starts `count` workers connecting with `config`. They connect lazily, on their first
    /// job, and again whenever their connection has closed (a server restart, a network
    /// cut), so a passing outage fails the calls made during it, not the process.
    pub(crate) fn start(config: &Config, count: usize) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for number in 0..count {
            let (config, queue) = (config.clone(), Arc::clone(&queue));
            std::thread::Builder::new()
                .name(format!("csfeed-postgres-{number}"))
                .spawn(move || work(&config, &queue))
                .map_err(|_| StoreError::WorkersStopped)?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on the next free worker's connection and waits for its answer.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |client| {
            // The caller may have gone (it never does: it waits); nothing to tell then.
            let _ = reply.send(client.and_then(work));
        });
        self.jobs.send(job).map_err(|_| StoreError::WorkersStopped)?;
        // A job that panicked drops `reply` unanswered: the caller gets an error, not a hang.
        answer.recv().map_err(|_| StoreError::WorkersStopped)?
    }
}

/// One worker's life: take jobs until the pool is dropped.
fn work(config: &Config, queue: &Mutex<Receiver<Job>>) {
    let mut connection: Option<Client> = None;
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        if connection.as_ref().is_none_or(Client::is_closed) {
            connection = None;
            // Statements belong to the connection they were prepared on.
            STATEMENTS.with_borrow_mut(HashMap::clear);
        }
        let client = match connection.as_mut() {
            Some(client) => Ok(client),
            None => match config.connect(NoTls) {
                Ok(client) => Ok(connection.insert(client)),
                Err(error) => Err(StoreError::from(error)),
            },
        };
        // A panicking job must not take the worker with it; its connection may be mid-
        // transaction, so it is dropped (which rolls back) and the next job reconnects.
        if catch_unwind(AssertUnwindSafe(|| job(client))).is_err() {
            connection = None;
            STATEMENTS.with_borrow_mut(HashMap::clear);
        }
    }
}

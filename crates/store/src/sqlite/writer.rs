//! The one writer of the embedded store, with group commit.
//!
//! SQLite lets one connection write at a time, and every commit costs a
//! WAL append of each page the transaction touched. Writes therefore go
//! to one thread that takes every write waiting (up to [`GROUP`]) and runs
//! them in one transaction, each inside a savepoint of its own: a write
//! that fails rolls back alone, the others commit together. A caller hears
//! back only after the commit, so an acknowledged write is as durable as
//! before; under load, N writers pay for one commit instead of N.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

/// Most writes committed together.
const GROUP: usize = 256;
/// Writes waiting for the writer before callers wait to hand theirs over.
const QUEUE: usize = 4_096;

/// One write: runs against the connection, then hears whether its
/// transaction committed.
trait Job: Send {
    /// Runs the write inside the open transaction; `true` when it succeeded.
    fn run(&mut self, conn: &mut Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Pending<T, F> {
    write: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &mut Connection) -> bool {
        let outcome = match self.write.take() {
            // A panic in one write must not take the writer thread down.
            Some(write) => panic::catch_unwind(AssertUnwindSafe(|| write(conn)))
                .unwrap_or_else(|_| Err(StoreError::Internal("a write panicked".into()))),
            None => Err(StoreError::Internal("a write ran twice".into())),
        };
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let outcome = match (commit, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            // A failed write was rolled back on its own; its error stands.
            (Err(_), Some(Err(e))) => Err(e),
            (Err(e), _) => Err(StoreError::Unavailable(format!("the commit failed: {e}"))),
            (Ok(()), None) => Err(StoreError::Internal("a write never ran".into())),
        };
        // The caller may have gone away (its request was cancelled).
        let _ = self.reply.send(outcome);
    }
}

/// A write waiting for the writer: grouped, or run alone outside any
/// transaction of the writer's (the purge commits chunk by chunk).
enum Work {
    Grouped(Box<dyn Job>),
    Alone(Box<dyn Job>),
}

/// The handle writes are sent through; the thread ends when every handle
/// is dropped.
#[derive(Clone)]
pub struct Writer {
    work: mpsc::SyncSender<Work>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Connection) -> Result<Writer, StoreError> {
        let (work, queue) = mpsc::sync_channel(QUEUE);
        thread::Builder::new()
            .name("waylink-sqlite-writer".into())
            .spawn(move || run(conn, queue))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { work })
    }

    /// Runs `write` in the next group commit.
    pub async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.send(write, false).await
    }

    /// Runs `write` alone, committing as it goes.
    pub async fn write_alone<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.send(write, true).await
    }

    async fn send<T, F>(&self, write: F, alone: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Pending {
            write: Some(write),
            outcome: None,
            reply,
        });
        let work = if alone {
            Work::Alone(job)
        } else {
            Work::Grouped(job)
        };
        match self.work.try_send(work) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Disconnected(_)) => return Err(stopped()),
            // A full queue blocks the sender: that wait is done off the
            // async workers.
            Err(mpsc::TrySendError::Full(work)) => {
                let sender = self.work.clone();
                tokio::task::spawn_blocking(move || sender.send(work))
                    .await
                    .map_err(|e| StoreError::Internal(format!("a storage task failed: {e}")))?
                    .map_err(|_| stopped())?;
            }
        }
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Internal("the storage writer has stopped".into())
}

fn run(mut conn: Connection, queue: mpsc::Receiver<Work>) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(GROUP);
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(work) = next.take() {
            match work {
                Work::Alone(mut job) => {
                    commit_group(&mut conn, &mut group);
                    job.run(&mut conn);
                    job.finish(Ok(()));
                }
                Work::Grouped(job) => group.push(job),
            }
            if group.len() < GROUP {
                next = queue.try_recv().ok();
            }
        }
        commit_group(&mut conn, &mut group);
    }
}

/// Runs `group` in one transaction, each job in a savepoint, and answers
/// every job once the commit is done.
fn commit_group(conn: &mut Connection, group: &mut Vec<Box<dyn Job>>) {
    if group.is_empty() {
        return;
    }
    let commit = run_group(conn, group);
    for job in group.drain(..) {
        job.finish(commit.clone());
    }
}

fn run_group(conn: &mut Connection, group: &mut [Box<dyn Job>]) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())?;
    for job in group.iter_mut() {
        let step = conn.execute_batch("SAVEPOINT job").and_then(|()| {
            if job.run(conn) {
                conn.execute_batch("RELEASE job")
            } else {
                conn.execute_batch("ROLLBACK TO job; RELEASE job")
            }
        });
        if let Err(e) = step {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.to_string());
        }
    }
    conn.execute_batch("COMMIT").map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        e.to_string()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc as std_mpsc;

    use super::*;

    fn table(writer: &Writer) -> impl std::future::Future<Output = Result<(), StoreError>> + '_ {
        writer.write(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")?))
    }

    fn count(path: &std::path::Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn in_one_group_a_failed_write_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let writer = Writer::start(Connection::open(&path).unwrap()).unwrap();
        table(&writer).await.unwrap();

        // The first write holds the thread until every other write queued,
        // so that they all run in one group.
        let (release, hold) = std_mpsc::channel::<()>();
        let first = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .write(move |c| {
                        let _ = hold.recv();
                        Ok(c.execute("INSERT INTO t VALUES (0)", [])?)
                    })
                    .await
            }
        });
        let mut others = Vec::new();
        for n in 1..=20i64 {
            let writer = writer.clone();
            others.push(tokio::spawn(async move {
                writer
                    .write(move |c| {
                        c.execute("INSERT INTO t VALUES (?1)", [n])?;
                        if n % 2 == 0 {
                            // Half-done work that must not survive the failure.
                            c.execute("INSERT INTO t VALUES (?1)", [n + 1000])?;
                            return Err(StoreError::Conflict(format!("{n} fails")));
                        }
                        Ok(n)
                    })
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        for (i, other) in others.into_iter().enumerate() {
            let n = i as i64 + 1;
            match other.await.unwrap() {
                Ok(got) => assert_eq!(got, n),
                Err(StoreError::Conflict(m)) => assert_eq!(m, format!("{n} fails")),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(count(&path), 11, "the first write and the ten odd ones");
    }

    #[tokio::test]
    async fn a_panicking_write_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let writer = Writer::start(Connection::open(&path).unwrap()).unwrap();
        table(&writer).await.unwrap();
        let failed = writer
            .write(|c| -> Result<(), StoreError> {
                c.execute("INSERT INTO t VALUES (1)", [])?;
                panic!("a bug in a write")
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Internal(_))));
        writer
            .write(|c| Ok(c.execute("INSERT INTO t VALUES (2)", [])?))
            .await
            .unwrap();
        assert_eq!(count(&path), 1);
    }
}

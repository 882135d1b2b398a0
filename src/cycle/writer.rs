//! The one SQLite writer of a process: a thread that owns the state's
//! [`Store`] and stores each fetched feed as its result arrives.
//!
//! `wirefeed once` starts one, hands it every feed and waits for all of
//! them; the daemon keeps one for its whole life, so dedup's candidate index
//! stays loaded across schedules. Feeds are written in groups, one
//! transaction per group (see [`MAX_WRITE_GROUP`]), and each feed is reported
//! back on its own as soon as its group is committed.
//!
//! Before each group the writer checks that the file it holds open is still
//! the state file: SQLite would go on writing into a file deleted under it,
//! and everything stored from then on would be lost with the connection.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::{CycleError, CycleReport, FeedMessage, FeedResult, store_feed};
use crate::fetch::{SpoolFiles, Validators};
use crate::publish::PublishedRecord;
use crate::store::{ChangedChannels, Location, PlannedFetch, Store, StoreError};

/// At most this many feeds are written in one SQLite transaction. Groups
/// only grow while the writer is behind (a cold cycle); each commit writes
/// every page its feeds touched, so fewer, larger commits write less
/// (benches/README.md, "Decisions"). A group waits for at most the feeds
/// the fetch channel holds.
const MAX_WRITE_GROUP: usize = 128;

/// How long the writer waits for more feeds to join a write group: long
/// enough for a burst of fetches finishing together, short beside the
/// publish debounce readers wait for anyway.
const GATHER: Duration = Duration::from_millis(20);

/// When the next embargo cannot be read after a commit, the daemon looks
/// again this soon (releasing reads it again).
const EMBARGO_RECHECK: Duration = Duration::from_secs(5);

/// What one feed came to, sent once per submitted feed.
#[derive(Debug)]
pub struct FeedReport {
    pub feed_id: String,
    pub reported: Reported,
}

/// How storing one feed went.
#[derive(Debug)]
pub enum Reported {
    /// Committed (a failed fetch is committed too, as a failure).
    Stored(Box<Stored>),
    /// Its write group failed: nothing of the feed was stored.
    StoreFailed(Arc<StoreError>),
    /// Its task or the writer stopped before the feed was stored.
    Lost,
}

/// A feed committed to the state.
#[derive(Debug)]
pub struct Stored {
    /// This feed's part of a cycle report: `feeds` is 1, `outcomes` holds
    /// its one outcome, `failed` its error if the fetch failed.
    pub report: CycleReport,
    /// The channels its articles changed.
    pub changed: ChangedChannels,
    /// The earliest embargo still holding an article back, after its group.
    pub next_embargo: Option<DateTime<Utc>>,
}

/// Reports [`Reported::Lost`] when dropped before reporting: every feed
/// handed to the writer is reported exactly once, whatever happens to it.
pub(crate) struct ReportGuard {
    feed_id: String,
    reports: mpsc::UnboundedSender<FeedReport>,
    sent: bool,
}

impl ReportGuard {
    fn send(mut self, reported: Reported) {
        self.sent = true;
        let report = FeedReport {
            feed_id: std::mem::take(&mut self.feed_id),
            reported,
        };
        // The receiver is gone only when the process is stopping.
        let _ = self.reports.send(report);
    }
}

impl Drop for ReportGuard {
    fn drop(&mut self) {
        if !self.sent {
            let _ = self.reports.send(FeedReport {
                feed_id: std::mem::take(&mut self.feed_id),
                reported: Reported::Lost,
            });
        }
    }
}

/// A feed's result with the guard of its report.
pub(crate) struct Submitted {
    pub(crate) message: FeedMessage,
    pub(crate) report: ReportGuard,
}

enum Command {
    Store(Box<Submitted>),
    Open(oneshot::Sender<Result<(), StoreError>>),
    UseLocation(Location),
    Release(oneshot::Sender<Result<Released, StoreError>>),
    SavePlans(Vec<OwnedPlan>),
    /// Look at the published record's slot.
    Wake,
}

/// Articles whose embargo passed, published in the state.
#[derive(Debug, Default)]
pub struct Released {
    pub count: usize,
    pub changed: ChangedChannels,
    pub next_embargo: Option<DateTime<Utc>>,
}

/// One feed's plan, for `wirefeed status`.
#[derive(Debug, Clone)]
pub struct OwnedPlan {
    pub feed_id: String,
    pub next_fetch: Option<DateTime<Utc>>,
    pub backoff_until: Option<DateTime<Utc>>,
}

/// What the writer thread and its handles share.
#[derive(Default)]
struct Shared {
    /// Every feed's validators as stored, for conditional GETs: loaded when
    /// the state is opened, updated as feeds are committed.
    validators: Mutex<HashMap<String, Validators>>,
    /// Set when the state file was found removed or replaced and a new one
    /// opened; taken by [`WriterHandle::take_replaced`].
    replaced: AtomicBool,
    /// Time spent storing, and the writer thread's CPU time over it.
    storing: Mutex<(Duration, Duration)>,
    /// The last publish's record, until the writer writes it.
    published: Mutex<Option<PublishedRecord>>,
    /// Feed tasks started and not yet submitted: while there are none, a
    /// write group does not wait for more to join it.
    underway: AtomicUsize,
}

/// A feed task between its start and its submit (see `Shared::underway`);
/// dropped with the task however it ends.
pub(crate) struct Underway(Arc<Shared>);

impl Drop for Underway {
    fn drop(&mut self) {
        self.0.underway.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A handle on the writer: feed tasks submit through clones of it.
#[derive(Clone)]
pub struct WriterHandle {
    commands: mpsc::Sender<Command>,
    reports: mpsc::UnboundedSender<FeedReport>,
    shared: Arc<Shared>,
}

/// The writer's thread and a handle on it; the per-feed reports come on the
/// receiver [`Writer::start`] returns.
pub struct Writer {
    handle: WriterHandle,
    done: oneshot::Receiver<()>,
}

impl Writer {
    /// Starts the writer thread for the state at `location`; the state is
    /// opened by the first command that needs it (see [`WriterHandle::open`]).
    pub fn start(location: Location) -> (Writer, mpsc::UnboundedReceiver<FeedReport>) {
        // Feed tasks wait here once the writer is behind; the in-flight
        // permits, not this, bound what waits in memory.
        let (commands, receiver) = mpsc::channel(64);
        let (reports, reported) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let (finished, done) = oneshot::channel();
        let thread = Thread {
            location,
            store: None,
            identity: None,
            shared: Arc::clone(&shared),
        };
        // A thread of its own rather than a blocking task of the runtime: a
        // stopping process does not wait for it (every group is a
        // transaction, so abandoning one loses nothing committed).
        let spawned = std::thread::Builder::new()
            .name("wirefeed-writer".to_owned())
            .spawn(move || {
                thread.run(receiver);
                let _ = finished.send(());
            });
        if let Err(error) = spawned {
            // Every command then fails: feeds are reported lost, opens fail.
            tracing::error!(%error, "cannot start the state writer thread");
        }
        let handle = WriterHandle {
            commands,
            reports,
            shared,
        };
        (Writer { handle, done }, reported)
    }

    pub fn handle(&self) -> &WriterHandle {
        &self.handle
    }

    /// Time spent storing so far, and the writer thread's CPU time over it.
    pub fn storing(&self) -> (Duration, Duration) {
        *self
            .handle
            .shared
            .storing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops taking commands and waits for those queued, then for the
    /// thread to close the state. Handles still held elsewhere keep it
    /// running until they are dropped.
    pub async fn close(self) {
        let Writer { handle, done } = self;
        drop(handle);
        let _ = done.await;
    }
}

impl WriterHandle {
    /// Hands a fetched feed to the writer; `report` goes out once it is
    /// stored (or lost).
    pub(crate) async fn submit(&self, submitted: Submitted, underway: Underway) {
        // A send fails only when the writer has stopped: the guard inside
        // is dropped with the message and reports the feed lost.
        let _ = self
            .commands
            .send(Command::Store(Box::new(submitted)))
            .await;
        // Only once the feed is queued: the writer must not stop gathering
        // between the task's end and its message.
        drop(underway);
    }

    /// Counts a feed task as started until the returned value is dropped.
    pub(crate) fn underway(&self) -> Underway {
        self.shared.underway.fetch_add(1, Ordering::SeqCst);
        Underway(Arc::clone(&self.shared))
    }

    /// The guard of `feed_id`'s report, to travel with its result.
    pub(crate) fn guard(&self, feed_id: &str) -> ReportGuard {
        ReportGuard {
            feed_id: feed_id.to_owned(),
            reports: self.reports.clone(),
            sent: false,
        }
    }

    /// `feed_id`'s validators as last stored.
    pub fn validators(&self, feed_id: &str) -> Validators {
        self.shared
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(feed_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Opens the state now (it is opened when first needed otherwise), so
    /// the validators are loaded before the first fetch.
    pub async fn open(&self) -> Result<(), CycleError> {
        let (reply, answer) = oneshot::channel();
        self.ask(Command::Open(reply), answer).await
    }

    /// Waits until the commands sent before are done (opening the state
    /// if it is closed): the daemon's last plan is saved before it exits.
    pub async fn flush(&self) -> Result<(), CycleError> {
        self.open().await
    }

    /// Moves the writer to the state at `location` (a reload changed
    /// `state_dir`); the one open is closed after the groups queued before.
    pub async fn use_location(&self, location: Location) {
        let _ = self.commands.send(Command::UseLocation(location)).await;
    }

    /// Publishes in the state the articles whose embargo has passed.
    pub async fn release_embargoes(&self) -> Result<Released, CycleError> {
        let (reply, answer) = oneshot::channel();
        self.ask(Command::Release(reply), answer).await
    }

    /// Sends `command` and waits for its answer.
    async fn ask<T>(
        &self,
        command: Command,
        answer: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, CycleError> {
        let stopped = CycleError::Task("storing");
        if self.commands.send(command).await.is_err() {
            return Err(stopped);
        }
        Ok(answer.await.map_err(|_| stopped)??)
    }

    /// Records in the state what a publish wrote.
    /// Leaves what a publish wrote to be recorded in the state, without
    /// waiting: the loop must not wait behind a write group (or a lock the
    /// writer waits out). A newer record replaces one not yet written; the
    /// older one's channels then stay marked stale and are rendered again
    /// by a later publish, which is safe.
    pub(crate) fn record_published(&self, record: PublishedRecord) {
        *self
            .shared
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(record);
        // A full queue means a busy writer: it looks after its next group.
        let _ = self.commands.try_send(Command::Wake);
    }

    /// Queues the daemon's plan to be saved, for `wirefeed status`;
    /// failures are logged. False when the writer's queue is full: the
    /// caller tries again later rather than wait.
    pub fn save_plans(&self, plans: Vec<OwnedPlan>) -> bool {
        self.commands.try_send(Command::SavePlans(plans)).is_ok()
    }

    /// Whether the state file was found removed or replaced (and a new one
    /// opened) since the last call.
    pub fn take_replaced(&self) -> bool {
        self.shared.replaced.swap(false, Ordering::Relaxed)
    }
}

/// The writer thread's own state.
struct Thread {
    location: Location,
    store: Option<Store>,
    /// [`Location::identity`] of the state `store` has open.
    identity: Option<(u64, u64)>,
    shared: Arc<Shared>,
}

impl Thread {
    fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        // Commands met while gathering a group, run after it in order.
        let mut backlog: VecDeque<Command> = VecDeque::new();
        loop {
            let command = match backlog.pop_front() {
                Some(command) => command,
                None => match commands.blocking_recv() {
                    Some(command) => command,
                    None => break,
                },
            };
            self.record_published();
            match command {
                Command::Store(first) => {
                    let group = gather(*first, &mut commands, &mut backlog, &self.shared);
                    self.write(group);
                }
                Command::Open(reply) => {
                    let _ = reply.send(self.store().map(|_| ()));
                }
                Command::UseLocation(location) => {
                    if location != self.location {
                        info!(path = %location, "the state database moved");
                        self.location = location;
                        self.close();
                    }
                }
                Command::Release(reply) => {
                    let released = self.release();
                    if released.is_err() {
                        self.close();
                    }
                    let _ = reply.send(released);
                }
                Command::Wake => {}
                Command::SavePlans(plans) => {
                    if let Err(error) = self.save_plans(&plans) {
                        warn!(%error, "cannot save the plan for `wirefeed status`");
                    }
                }
            }
        }
    }

    /// The open state, (re)opened when there is none or when the file it
    /// had open is no longer the one at its location.
    fn store(&mut self) -> Result<&mut Store, StoreError> {
        let identity = self.location.identity();
        if self.store.is_some() && identity != self.identity {
            let path = &self.location;
            match identity {
                None => warn!(
                    path = %path,
                    "the state database is missing; starting a new one (every feed is fetched in full again)"
                ),
                Some(_) => warn!(
                    path = %path,
                    "the state database was replaced by another file; opening that one"
                ),
            }
            self.close();
            self.shared.replaced.store(true, Ordering::Relaxed);
        }
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                let store = self.location.open()?;
                self.identity = self.location.identity();
                let validators: HashMap<String, Validators> =
                    store.validators()?.into_iter().collect();
                *self
                    .shared
                    .validators
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = validators;
                store
            }
        };
        Ok(self.store.insert(store))
    }

    /// Writes the last publish's record, if one is waiting.
    fn record_published(&mut self) {
        let record = self
            .shared
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(record) = record else {
            return;
        };
        if let Err(error) = self.store().and_then(|store| record.write(store)) {
            warn!(%error, "cannot record what was published; its channels are published again later");
        }
    }

    /// Drops the open state: the next command opens it again.
    fn close(&mut self) {
        self.store = None;
        self.identity = None;
    }

    /// Stores one group in one transaction and reports each of its feeds.
    fn write(&mut self, group: Vec<Submitted>) {
        let (mut messages, guards): (Vec<FeedMessage>, Vec<ReportGuard>) = group
            .into_iter()
            .map(|submitted| (submitted.message, submitted.report))
            .unzip();
        // A drop folder's files move only once their articles are
        // committed: a crash before leaves them to be read again.
        let spools: Vec<(String, SpoolFiles)> = messages
            .iter_mut()
            .filter_map(|message| match &mut message.result {
                FeedResult::Items { spool, .. } => Some((message.feed_id.clone(), spool.take()?)),
                _ => None,
            })
            .collect();
        let validators: Vec<(String, Validators)> = messages
            .iter()
            .filter_map(|message| match &message.result {
                FeedResult::Items { validators, .. } => {
                    Some((message.feed_id.clone(), validators.clone()))
                }
                _ => None,
            })
            .collect();
        let started = Instant::now();
        let cpu_started = super::thread_cpu_time();
        let written = self.store().and_then(|store| {
            store.group(|store| {
                let mut stored = Vec::with_capacity(messages.len());
                for message in messages {
                    let mut report = CycleReport {
                        feeds: 1,
                        ..CycleReport::default()
                    };
                    store_feed(store, message, &mut report)?;
                    stored.push((report, store.take_changed()));
                }
                Ok(stored)
            })
        });
        let stored = match written {
            Ok(stored) => stored,
            Err(error) => {
                // Nothing of the group was stored; a connection that failed
                // may be what failed it, so the next group opens afresh.
                self.close();
                let error = Arc::new(error);
                for guard in guards {
                    guard.send(Reported::StoreFailed(Arc::clone(&error)));
                }
                return;
            }
        };
        for (feed_id, spool) in &spools {
            spool.settle(feed_id);
        }
        self.shared
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(validators);
        let next_embargo = self.next_embargo();
        {
            let mut storing = self
                .shared
                .storing
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            storing.0 += started.elapsed();
            storing.1 += super::thread_cpu_time().saturating_sub(cpu_started);
        }
        for (guard, (report, changed)) in guards.into_iter().zip(stored) {
            guard.send(Reported::Stored(Box::new(Stored {
                report,
                changed,
                next_embargo,
            })));
        }
    }

    fn next_embargo(&mut self) -> Option<DateTime<Utc>> {
        let next = self.store().and_then(|store| store.next_embargo());
        next.unwrap_or_else(|error| {
            warn!(%error, "cannot read the next embargo; looking again soon");
            Some(Utc::now() + EMBARGO_RECHECK)
        })
    }

    fn release(&mut self) -> Result<Released, StoreError> {
        let store = self.store()?;
        let count = store.release_embargoes(Utc::now())?;
        Ok(Released {
            count,
            changed: store.take_changed(),
            next_embargo: store.next_embargo()?,
        })
    }

    fn save_plans(&mut self, plans: &[OwnedPlan]) -> Result<(), StoreError> {
        let plans: Vec<PlannedFetch<'_>> = plans
            .iter()
            .map(|plan| PlannedFetch {
                feed_id: &plan.feed_id,
                next_fetch: plan.next_fetch,
                backoff_until: plan.backoff_until,
            })
            .collect();
        self.store()?.record_plans(&plans)
    }
}

/// `first` and whatever else is queued, up to [`MAX_WRITE_GROUP`] feeds:
/// a large group when the writer is behind, a single feed when not. Any
/// other command ends the group and waits in `backlog`.
fn gather(
    first: Submitted,
    commands: &mut mpsc::Receiver<Command>,
    backlog: &mut VecDeque<Command>,
    shared: &Shared,
) -> Vec<Submitted> {
    let mut group = vec![first];
    let gathering = Instant::now();
    while group.len() < MAX_WRITE_GROUP {
        match commands.try_recv() {
            Ok(Command::Store(submitted)) => group.push(*submitted),
            Ok(other) => {
                backlog.push_back(other);
                break;
            }
            // Feeds finishing within a few milliseconds of each other share
            // one commit: each commit writes every page its feeds touched
            // (LSH keys touch pages all over), so a commit per feed wrote
            // most pages many times over. No feed still underway, none is
            // coming: a `once` whose last feed arrived commits at once.
            Err(TryRecvError::Empty)
                if gathering.elapsed() < GATHER && shared.underway.load(Ordering::SeqCst) > 0 =>
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => break,
        }
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Semaphore;

    /// Hands the writer a "not modified" fetch of `feed_id`.
    async fn submit(handle: &WriterHandle, feed_id: &str) {
        let permit = Arc::new(Semaphore::new(1))
            .acquire_owned()
            .await
            .expect("permit");
        let message = FeedMessage {
            feed_id: feed_id.to_owned(),
            priority: 0,
            at: Utc::now(),
            result: FeedResult::NotModified {
                status: Some(304),
                fresh_for: None,
            },
            _in_flight: permit,
        };
        let report = handle.guard(feed_id);
        let underway = handle.underway();
        handle.submit(Submitted { message, report }, underway).await;
    }

    async fn next(reports: &mut mpsc::UnboundedReceiver<FeedReport>) -> FeedReport {
        tokio::time::timeout(Duration::from_secs(10), reports.recv())
            .await
            .expect("a report within 10 s")
            .expect("the writer runs")
    }

    fn recorded(path: &std::path::Path, feed_id: &str) -> bool {
        let store = Store::open(path).expect("open the state");
        store.feed_state(feed_id).expect("read").is_some()
    }

    #[tokio::test]
    async fn a_state_file_deleted_under_the_writer_is_started_again_not_written_into_the_void() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state/wirefeed.db");
        let (writer, mut reports) = Writer::start(Location::Sqlite(path.clone()));
        let handle = writer.handle();
        handle.open().await.expect("open");
        submit(handle, "first").await;
        let report = next(&mut reports).await;
        assert!(matches!(report.reported, Reported::Stored(_)), "{report:?}");
        assert!(!handle.take_replaced());

        std::fs::remove_file(&path).expect("delete the state");
        submit(handle, "second").await;
        let report = next(&mut reports).await;
        assert!(matches!(report.reported, Reported::Stored(_)), "{report:?}");
        assert!(handle.take_replaced(), "the service is told");
        assert!(recorded(&path, "second"), "stored in the file at the path");
        assert!(!recorded(&path, "first"), "a new state");
    }

    #[tokio::test]
    async fn a_group_that_cannot_be_stored_is_reported_failed_and_a_new_state_dir_is_used() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A file where the state's folder should be: the state cannot open.
        std::fs::write(dir.path().join("blocked"), "not a folder").expect("file");
        let (writer, mut reports) =
            Writer::start(Location::Sqlite(dir.path().join("blocked/wirefeed.db")));
        let handle = writer.handle();
        assert!(handle.open().await.is_err());
        submit(handle, "desk").await;
        let report = next(&mut reports).await;
        assert_eq!(report.feed_id, "desk");
        assert!(
            matches!(report.reported, Reported::StoreFailed(_)),
            "{report:?}"
        );

        // A reload moved state_dir: the writer opens the new one.
        let moved = dir.path().join("moved/wirefeed.db");
        handle.use_location(Location::Sqlite(moved.clone())).await;
        submit(handle, "desk").await;
        let report = next(&mut reports).await;
        assert!(matches!(report.reported, Reported::Stored(_)), "{report:?}");
        assert!(recorded(&moved, "desk"));
    }

    #[tokio::test]
    async fn a_feed_whose_task_died_is_reported_lost() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, mut reports) = Writer::start(Location::Sqlite(dir.path().join("wirefeed.db")));
        drop(writer.handle().guard("desk"));
        let report = next(&mut reports).await;
        assert_eq!(report.feed_id, "desk");
        assert!(matches!(report.reported, Reported::Lost), "{report:?}");
        writer.close().await;
    }

    #[tokio::test]
    async fn a_task_counts_as_underway_until_submitted_or_gone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (writer, mut reports) = Writer::start(Location::Sqlite(dir.path().join("wirefeed.db")));
        let handle = writer.handle().clone();
        let underway = || handle.shared.underway.load(Ordering::SeqCst);
        let died = handle.underway();
        assert_eq!(underway(), 1);
        drop(died);
        assert_eq!(underway(), 0, "a task that ended without a result");
        submit(&handle, "desk").await;
        assert_eq!(underway(), 0, "a submitted feed");
        assert!(matches!(
            next(&mut reports).await.reported,
            Reported::Stored(_)
        ));
        drop(handle);
        writer.close().await;
    }
}

//! Command handling: load a stream, fold it, decide, and collect the events.

use domain::{
    decode::decode, upcast::Upcasters, Aggregate, EventCodec, ExpectedVersion, Metadata, NewEvent,
};

use crate::{
    error::CommandError,
    store::{EventStore, Until},
};

/// An aggregate folded from its stream.
#[derive(Debug, Clone)]
pub struct Loaded<A> {
    /// The stream id.
    pub id: String,
    /// The folded state.
    pub state: A,
    /// The stream's last version (0 = no stream).
    pub version: i64,
    /// The position of the last event folded (0 = none).
    pub position: i64,
}

/// Folds one stream up to `until`.
pub async fn load<A: Aggregate>(
    store: &dyn EventStore,
    up: &Upcasters,
    id: &str,
    until: Until,
) -> Result<Loaded<A>, CommandError<A::Error>> {
    let events = store.read_stream(A::STREAM_TYPE, id, until).await?;
    let mut state = A::default();
    let mut version = 0;
    let mut position = 0;
    for e in &events {
        state.apply(&decode::<A::Event>(e, up)?);
        version = e.stream_version;
        position = e.position;
    }
    Ok(Loaded {
        id: id.to_owned(),
        state,
        version,
        position,
    })
}

/// Events decided by one or more aggregates, to be appended atomically.
#[derive(Debug, Clone)]
pub struct Batch {
    metadata: Metadata,
    events: Vec<NewEvent>,
}

impl Batch {
    /// A batch whose events will all carry `metadata`.
    pub fn new(metadata: Metadata) -> Self {
        Self {
            metadata,
            events: Vec::new(),
        }
    }

    /// Runs `decide` on a loaded aggregate and queues its events, expecting the
    /// stream to still be at the loaded version (or at `if_match` if given).
    pub fn decide<A: Aggregate>(
        &mut self,
        loaded: &Loaded<A>,
        if_match: Option<i64>,
        cmd: A::Command,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        if let Some(expected) = if_match {
            if expected != loaded.version {
                return Err(CommandError::Stale {
                    expected,
                    actual: loaded.version,
                });
            }
        }
        let events = loaded.state.decide(cmd).map_err(CommandError::Rejected)?;
        self.queue(loaded, &events)?;
        Ok(events)
    }

    /// Runs several commands on one aggregate in order, each deciding on the
    /// state the previous ones left, and queues all their events as one
    /// append to the stream.
    pub fn decide_all<A: Aggregate + Clone>(
        &mut self,
        loaded: &Loaded<A>,
        cmds: Vec<A::Command>,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        let mut state = loaded.state.clone();
        let mut all = Vec::new();
        for cmd in cmds {
            let events = state.decide(cmd).map_err(CommandError::Rejected)?;
            for e in &events {
                state.apply(e);
            }
            all.extend(events);
        }
        self.queue(loaded, &all)?;
        Ok(all)
    }

    fn queue<A: Aggregate>(
        &mut self,
        loaded: &Loaded<A>,
        events: &[A::Event],
    ) -> Result<(), CommandError<A::Error>> {
        let expected = match loaded.version {
            0 => ExpectedVersion::NoStream,
            v => ExpectedVersion::Exact(v),
        };
        for (i, e) in events.iter().enumerate() {
            let (event_type, payload) = e.encode()?;
            self.events.push(NewEvent {
                event_id: uuid::Uuid::now_v7().to_string(),
                stream_type: A::STREAM_TYPE.to_owned(),
                stream_id: loaded.id.clone(),
                expected: if i == 0 {
                    expected
                } else {
                    ExpectedVersion::Any
                },
                event_type,
                schema_version: 1,
                payload,
                metadata: self.metadata.clone(),
            });
        }
        Ok(())
    }

    /// Whether nothing was queued.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The queued events.
    pub fn into_events(self) -> Vec<NewEvent> {
        self.events
    }
}

/// Runs one command on a stream that should not exist yet (a new report,
/// explanation, ...) and appends what it decides.
pub async fn create<A: Aggregate>(
    store: &dyn EventStore,
    stream_id: &str,
    cmd: A::Command,
    metadata: Metadata,
) -> Result<Vec<domain::StoredEvent>, CommandError<A::Error>> {
    let loaded = load::<A>(store, &Upcasters::domain(), stream_id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, cmd)?;
    Ok(store.append(batch.into_events()).await?)
}

/// How often [`run_retrying`] reloads after losing a race on the stream.
const RETRIES: usize = 5;

/// Runs one command on an existing stream, reloading and retrying when a
/// concurrent writer moved it (workers and stop or cancel requests race on one
/// stream). A command that decides nothing appends nothing.
pub async fn run_retrying<A: Aggregate>(
    store: &dyn EventStore,
    stream_id: &str,
    cmd: A::Command,
    metadata: Metadata,
) -> Result<Vec<domain::StoredEvent>, CommandError<A::Error>>
where
    A::Command: Clone,
{
    let mut attempt = 0;
    loop {
        let loaded = load::<A>(store, &Upcasters::domain(), stream_id, Until::Now).await?;
        let mut batch = Batch::new(metadata.clone());
        batch.decide(&loaded, None, cmd.clone())?;
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        match store.append(batch.into_events()).await {
            Err(crate::StoreError::Conflict { .. }) if attempt < RETRIES => attempt += 1,
            other => return Ok(other?),
        }
    }
}

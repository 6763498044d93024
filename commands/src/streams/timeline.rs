//! Time windows over a stream's records: which window a record falls in, when a
//! window may close (the watermark), and what a restart must remember so that
//! no record is lost or counted twice. Pure: the processor does the IO.
//!
//! Window `k` covers `[k * slide, k * slide + duration)` in epoch milliseconds.
//! Records are kept in arrival (record-number) order but fall into windows by
//! their time, so they leave out of order: a record is counted once, when the
//! last window holding it closes. A record whose windows have all closed when it
//! arrives is *late*: counted in `late_records`, in no window. Windows with no
//! record are not stored.

use domain::stream::Windowing;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::window::Record;

/// What a restart needs besides `next_window`; committed with each window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeState {
    /// First record number still pending (earlier batches are no longer needed).
    pub keep_from: i64,
    /// Records below this number had been judged at the last commit: counted in
    /// a closed window, counted late, or still pending.
    pub seen_until: i64,
    /// Newest event time seen (ms).
    pub max_event_ms: Option<i64>,
    /// Newest arrival seen (µs).
    pub last_arrival_us: i64,
    /// Records that arrived after all their windows had closed.
    pub late_records: i64,
}

/// A record waiting for its windows to close.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Its record number.
    pub record_no: i64,
    /// Its time (ms).
    pub t_ms: i64,
    /// The record.
    pub record: Record,
}

/// One stream's open time windows.
#[derive(Debug, Clone)]
pub struct TimeWindows {
    duration: i64,
    slide: i64,
    field: Option<String>,
    lateness: i64,
    /// The first window not yet closed.
    pub next_window: i64,
    /// The next record number to load.
    pub loaded_until: i64,
    /// State as of the last load.
    pub state: TimeState,
    /// Records not yet counted, in arrival order.
    pub pending: Vec<Pending>,
    /// Late records found since the last commit.
    pub late: i64,
}

/// A window ready to close.
#[derive(Debug, Clone)]
pub struct Closing {
    /// Window number.
    pub window: i64,
    /// Start (ms).
    pub start_ms: i64,
    /// End (ms, exclusive).
    pub end_ms: i64,
    /// Smallest record number in it.
    pub first_record: i64,
    /// Its records.
    pub records: Vec<Record>,
}

/// The records a closed window counts in the totals (those it is the last window of).
#[derive(Debug, Clone, Default)]
pub struct Leaving {
    /// Good ones.
    pub good: i64,
    /// Bad ones, with record number, for samples.
    pub bad: Vec<(i64, Record)>,
}

fn first_window(t: i64, duration: i64, slide: i64) -> i64 {
    ((t - duration).div_euclid(slide) + 1).max(0)
}

impl TimeWindows {
    /// Open windows from a committed position; `None` unless `w` is a time window.
    pub fn resume(w: Windowing<'_>, next_window: i64, state: TimeState) -> Option<Self> {
        let Windowing::Time {
            duration,
            slide,
            field,
            lateness,
        } = w
        else {
            return None;
        };
        Some(Self {
            duration,
            slide,
            field: field.map(str::to_owned),
            lateness,
            next_window,
            loaded_until: state.keep_from,
            state,
            pending: Vec::new(),
            late: 0,
        })
    }

    /// Takes the next loaded record (numbered `loaded_until`).
    pub fn push(&mut self, mut record: Record) {
        let record_no = self.loaded_until;
        self.loaded_until += 1;
        self.state.last_arrival_us = self.state.last_arrival_us.max(record.received_at);
        let t = match &self.field {
            None => Ok(record.received_at.div_euclid(1000)),
            Some(f) => match record.value.get(f).and_then(Value::as_f64) {
                Some(ms) if (0.0..1e15).contains(&ms) => Ok(ms as i64),
                _ => Err(format!("no event time in `{f}`")),
            },
        };
        let t = match t {
            Ok(t) => {
                self.state.max_event_ms = Some(self.state.max_event_ms.map_or(t, |m| m.max(t)));
                t
            }
            // Counted as bad in the newest window.
            Err(reason) => {
                record.bad.get_or_insert(reason);
                self.state
                    .max_event_ms
                    .unwrap_or(record.received_at.div_euclid(1000))
            }
        };
        if t.div_euclid(self.slide) < self.next_window {
            // All its windows closed: judged before the last commit, or late now.
            if record_no >= self.state.seen_until {
                self.late += 1;
            }
            return;
        }
        self.pending.push(Pending {
            record_no,
            t_ms: t,
            record,
        });
    }

    /// The watermark at `now_us`; `caught_up` says whether every stored record
    /// is loaded (otherwise quiet time proves nothing).
    pub fn watermark(&self, now_us: i64, caught_up: bool) -> Option<i64> {
        let now = if caught_up {
            now_us.max(self.state.last_arrival_us)
        } else {
            self.state.last_arrival_us
        };
        match &self.field {
            None => Some(now.div_euclid(1000) - self.lateness),
            Some(_) => self
                .state
                .max_event_ms
                .map(|m| m - self.lateness + (now - self.state.last_arrival_us).div_euclid(1000)),
        }
    }

    /// The next window the watermark has passed, if any.
    pub fn closable(&self, now_us: i64, caught_up: bool) -> Option<Closing> {
        let t_min = self.pending.iter().map(|p| p.t_ms).min()?;
        let k = self
            .next_window
            .max(first_window(t_min, self.duration, self.slide));
        let (start_ms, end_ms) = (k * self.slide, k * self.slide + self.duration);
        if self.watermark(now_us, caught_up)? < end_ms {
            return None;
        }
        let inside: Vec<&Pending> = self
            .pending
            .iter()
            .filter(|p| p.t_ms >= start_ms && p.t_ms < end_ms)
            .collect();
        Some(Closing {
            window: k,
            start_ms,
            end_ms,
            first_record: inside.iter().map(|p| p.record_no).min().unwrap_or(0),
            records: inside.into_iter().map(|p| p.record.clone()).collect(),
        })
    }

    /// Closes window `k`: removes the records it is the last window of and
    /// returns them; the state to commit with it is [`Self::committed`].
    pub fn close(&mut self, k: i64) -> Leaving {
        let slide = self.slide;
        let mut leaving = Leaving::default();
        self.pending.retain(|p| {
            if p.t_ms.div_euclid(slide) > k {
                return true;
            }
            match p.record.bad {
                Some(_) => leaving.bad.push((p.record_no, p.record.clone())),
                None => leaving.good += 1,
            }
            false
        });
        self.next_window = k + 1;
        self.state.late_records += self.late;
        self.late = 0;
        self.state.seen_until = self.loaded_until;
        self.state.keep_from = self
            .pending
            .iter()
            .map(|p| p.record_no)
            .min()
            .unwrap_or(self.loaded_until);
        leaving
    }
}

#[cfg(test)]
mod tests;

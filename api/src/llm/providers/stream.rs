//! Turning a provider's SSE body into [`StreamItem`]s on a channel.

use tokio::sync::mpsc;

use super::{
    sse::{Frame, SseParser},
    Completion, ProviderError, StreamItem,
};

/// Receiver of a stream's items.
pub type Items = mpsc::Receiver<Result<StreamItem, ProviderError>>;

/// What a protocol makes of one frame.
pub(crate) enum Step {
    /// Text to pass on (possibly empty).
    Text(String),
    /// The stream is finished.
    End,
    /// The last piece of text, and the end.
    EndWith(String),
    /// The provider reported an error inside the stream.
    Fail(ProviderError),
}

/// Reads `resp` frame by frame; `on_frame` updates the completion (usage, finish
/// reason) and says what the frame means. A body that ends before `End` is an
/// interrupted stream. Each chunk must arrive within `idle`.
pub(crate) fn pump(
    mut resp: reqwest::Response,
    idle: std::time::Duration,
    mut on_frame: impl FnMut(&Frame, &mut Completion) -> Step + Send + 'static,
) -> Items {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut parser = SseParser::default();
        let mut done = Completion::default();
        loop {
            let chunk = match tokio::time::timeout(idle, resp.chunk()).await {
                Err(_) => Err(ProviderError::Timeout(idle.as_secs())),
                Ok(Err(e)) => Err(ProviderError::Interrupted(e.to_string())),
                Ok(Ok(None)) => Err(ProviderError::Interrupted(
                    "the connection closed before the end of the answer".into(),
                )),
                Ok(Ok(Some(c))) => Ok(c),
            };
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            for frame in parser.push(&chunk) {
                match on_frame(&frame, &mut done) {
                    Step::Text(t) if t.is_empty() => {}
                    Step::Text(t) => {
                        done.text.push_str(&t);
                        if tx.send(Ok(StreamItem::Delta(t))).await.is_err() {
                            return;
                        }
                    }
                    Step::EndWith(t) => {
                        done.text.push_str(&t);
                        if !t.is_empty() {
                            let _ = tx.send(Ok(StreamItem::Delta(t))).await;
                        }
                        let _ = tx.send(Ok(StreamItem::Done(done))).await;
                        return;
                    }
                    Step::End => {
                        let _ = tx.send(Ok(StreamItem::Done(done))).await;
                        return;
                    }
                    Step::Fail(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// A finished local answer delivered as a stream of words.
pub fn local(answer: Completion) -> Items {
    let (tx, rx) = mpsc::channel(answer.text.len() / 4 + 2);
    let words: Vec<String> = answer
        .text
        .split_inclusive(' ')
        .map(str::to_owned)
        .collect();
    for w in words {
        let _ = tx.try_send(Ok(StreamItem::Delta(w)));
    }
    let _ = tx.try_send(Ok(StreamItem::Done(answer)));
    rx
}

/// Parses a frame's data as JSON.
pub(crate) fn data_json(f: &Frame) -> Result<serde_json::Value, ProviderError> {
    serde_json::from_str(&f.data).map_err(|e| ProviderError::BadResponse(e.to_string()))
}

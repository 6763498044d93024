//! An incremental server-sent-events parser: bytes in, `(event, data)` frames out.

/// One SSE frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `event:` field (`message` when absent).
    pub event: String,
    /// `data:` lines joined with `\n`.
    pub data: String,
}

/// Buffers bytes until a blank line ends a frame.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
}

impl SseParser {
    /// Feeds bytes; returns the frames they completed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            let text = String::from_utf8_lossy(&self.buf).replace("\r\n", "\n");
            let Some(end) = text.find("\n\n") else {
                // Keep CRLF-normalised text so a frame split across chunks still parses.
                self.buf = text.into_bytes();
                return frames;
            };
            let block = text[..end].to_owned();
            self.buf = text.as_bytes()[end + 2..].to_vec();
            let mut event = String::from("message");
            let mut data: Vec<&str> = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if !data.is_empty() || event != "message" {
                frames.push(Frame {
                    event,
                    data: data.join("\n"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_chunks_are_reassembled() {
        let mut p = SseParser::default();
        assert!(p
            .push(b"event: content_block_delta\r\ndata: {\"a\"")
            .is_empty());
        let f = p.push(b":1}\r\n\r\ndata: [DONE]\n\n: comment\n\n");
        assert_eq!(
            f,
            vec![
                Frame {
                    event: "content_block_delta".into(),
                    data: "{\"a\":1}".into()
                },
                Frame {
                    event: "message".into(),
                    data: "[DONE]".into()
                }
            ]
        );
    }
}

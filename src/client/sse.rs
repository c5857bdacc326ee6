//! A small reader of the server-sent event stream: turns `id:`/`event:`/`data:` blocks into
//! [`ServerEvent`]s.

use super::ClientError;
use crate::domain::wire::ServerEvent;
use futures::StreamExt;
use futures::stream::BoxStream;

/// Live events from the server.
pub struct EventStream {
    bytes: BoxStream<'static, Result<bytes::Bytes, reqwest::Error>>,
    buffer: Vec<u8>,
}

impl EventStream {
    pub(super) fn new(resp: reqwest::Response) -> Self {
        EventStream {
            bytes: resp.bytes_stream().boxed(),
            buffer: Vec::new(),
        }
    }

    /// The next event; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<ServerEvent, ClientError>> {
        loop {
            if let Some(block) = take_block(&mut self.buffer) {
                if let Some(ev) = parse_block(&block) {
                    return Some(ev);
                }
                continue;
            }
            match self.bytes.next().await? {
                Ok(chunk) => self.buffer.extend_from_slice(&chunk),
                Err(e) => return Some(Err(ClientError::Network(e.to_string()))),
            }
        }
    }
}

/// Removes one complete event block (ended by a blank line) from the buffer.
fn take_block(buffer: &mut Vec<u8>) -> Option<String> {
    let text_end = buffer.windows(2).position(|w| w == b"\n\n")?;
    let block: Vec<u8> = buffer.drain(..text_end + 2).collect();
    Some(String::from_utf8_lossy(&block).replace('\r', ""))
}

fn parse_block(block: &str) -> Option<Result<ServerEvent, ClientError>> {
    let data: String = block
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n");
    if data.is_empty() {
        return None; // keep-alive comment
    }
    Some(serde_json::from_str(&data).map_err(|e| ClientError::Decode(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_keepalives() {
        let mut buf = b": keep-alive\n\nid: 3\nevent: incident.created\ndata: {\"kind\":\"incident.created\",\"id\":\"INC-1\",\"incident_id\":\"INC-1\",\"version\":1,\"seq\":3,\"at\":\"2026-01-01T00:00:00Z\"}\n\npartial".to_vec();
        let first = take_block(&mut buf).unwrap();
        assert!(parse_block(&first).is_none());
        let second = take_block(&mut buf).unwrap();
        let ev = parse_block(&second).unwrap().unwrap();
        assert_eq!((ev.seq, ev.id.as_str()), (3, "INC-1"));
        assert!(take_block(&mut buf).is_none());
        assert_eq!(buf, b"partial");
    }
}

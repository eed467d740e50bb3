//! What a client outside the cage sees: TCP connects, an AMQP 0-9-1 round
//! trip, and an HTTP request to the management API.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use amqprs::BasicProperties;
use amqprs::channel::{BasicConsumeArguments, BasicPublishArguments, QueueDeclareArguments};
use amqprs::connection::{Connection, OpenConnectionArguments};

/// What a TCP connect to one port found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortState {
    /// The handshake completed.
    Open,
    /// The peer answered with a reset.
    Refused,
    /// Anything else: a timeout, an unreachable network.
    Failed(String),
}

impl fmt::Display for PortState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortState::Open => f.write_str("open"),
            PortState::Refused => f.write_str("refused"),
            PortState::Failed(reason) => write!(f, "failed ({reason})"),
        }
    }
}

/// Connects to `address` with a 3 s timeout and closes again.
pub fn probe_port(address: SocketAddr) -> PortState {
    match TcpStream::connect_timeout(&address, Duration::from_secs(3)) {
        Ok(_) => PortState::Open,
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => PortState::Refused,
        Err(error) => PortState::Failed(error.to_string()),
    }
}

/// Publishes one message to a fresh exclusive queue on the broker at
/// `host`:`port` and consumes it back; the body received.
///
/// Each step has a 15 s limit, so that a peer that never answers the AMQP
/// handshake (spiped waiting for its own) fails rather than hangs.
pub fn amqp_round_trip(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
) -> Result<Vec<u8>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("tokio runtime: {error}"))?;
    runtime.block_on(async {
        let limit = Duration::from_secs(15);
        let step = |name: &'static str| move |_| format!("{name}: no answer within 15 s");
        let arguments = OpenConnectionArguments::new(host, port, user, password);
        let connection = tokio::time::timeout(limit, Connection::open(&arguments))
            .await
            .map_err(step("connection.open"))?
            .map_err(|error| format!("connection.open: {error}"))?;
        let channel = connection
            .open_channel(None)
            .await
            .map_err(|error| format!("channel.open: {error}"))?;
        let queue = format!("cagebun-e2e-{}", std::process::id());
        channel
            .queue_declare(
                QueueDeclareArguments::new(&queue)
                    .exclusive(true)
                    .auto_delete(true)
                    .finish(),
            )
            .await
            .map_err(|error| format!("queue.declare: {error}"))?;
        let (_tag, mut deliveries) = channel
            .basic_consume_rx(
                BasicConsumeArguments::new(&queue, "cagebun-e2e")
                    .auto_ack(true)
                    .finish(),
            )
            .await
            .map_err(|error| format!("basic.consume: {error}"))?;
        let body = format!("through spiped to {queue}").into_bytes();
        channel
            .basic_publish(
                BasicProperties::default(),
                body,
                BasicPublishArguments::new("", &queue),
            )
            .await
            .map_err(|error| format!("basic.publish: {error}"))?;
        let delivery = tokio::time::timeout(limit, deliveries.recv())
            .await
            .map_err(step("basic.deliver"))?
            .ok_or("basic.deliver: consumer closed")?;
        let _ = channel.close().await;
        let _ = connection.close().await;
        delivery
            .content
            .ok_or_else(|| "basic.deliver: no content".to_owned())
    })
}

/// Sends `GET path` with HTTP Basic authentication to `address`; the status
/// code of the answer.
pub fn http_get_status(
    address: SocketAddr,
    path: &str,
    user: &str,
    password: &str,
) -> Result<u16, String> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))
        .map_err(|error| format!("connect {address}: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .map_err(|error| error.to_string())?;
    let credentials = base64(format!("{user}:{password}").as_bytes());
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Basic {credentials}\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|error| format!("send to {address}: {error}"))?;
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok());
    match (status, read) {
        (Some(code), _) => Ok(code),
        (None, Err(error)) => Err(format!("read from {address}: {error}")),
        (None, Ok(_)) => Err(format!(
            "{address} answered no HTTP status line: {status_line:?}"
        )),
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for position in 0..4 {
            if position <= chunk.len() {
                out.push(char::from(
                    ALPHABET[(group >> (18 - 6 * position) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_encodes_basic_credentials() {
    assert_eq!(base64(b"elmer:fudd"), "ZWxtZXI6ZnVkZA==");
    assert_eq!(base64(b"guest:guest"), "Z3Vlc3Q6Z3Vlc3Q=");
    assert_eq!(base64(b"abc"), "YWJj");
}

//! Raw malformed HTTP over a TcpStream: what no HTTP client would send.

//!
//! Plain blocking sockets, one thread per case: every read has a timeout.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use crate::generator::Rng;

/// How long one case waits for more of an answer.
const WAIT: Duration = Duration::from_secs(3);
/// Most bytes of an answer read.
const MAX_ANSWER: usize = 64 * 1024;

/// Sends `request`, closing our side after it when `close_write`, and
/// answers the status codes of every response read back.
fn exchange(address: &str, request: &[u8], close_write: bool) -> Vec<u16> {
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    stream.set_read_timeout(Some(WAIT)).expect("a read timeout");
    stream
        .set_write_timeout(Some(WAIT))
        .expect("a write timeout");
    // The server may close before it took everything: an answer too.
    let _ = stream.write_all(request);
    if close_write {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while answer.len() < MAX_ANSWER {
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.match_indices("HTTP/1.")
        .filter_map(|(at, _)| text.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

fn cases(key: &str, seed: u64) -> Vec<(String, Vec<u8>, bool)> {
    let post = |path: &str, headers: &str, body: &[u8]| {
        let mut bytes = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nContent-Type: application/json\r\n{headers}\r\n"
        )
        .into_bytes();
        bytes.extend_from_slice(body);
        bytes
    };
    let get =
        |path: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\n\r\n");
    let many_headers: String = (0..200).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    let mut body_with_bytes = b"{\"data\": {\"pid\": \"\xff\xfe\x00\"}}".to_vec();
    body_with_bytes.extend_from_slice(&[0; 8]);
    let mut cases: Vec<(String, Vec<u8>, bool)> = vec![
        ("a garbage line".into(), b"GARBAGE\r\n\r\n".to_vec(), false),
        (
            "HTTP/9.9".into(),
            b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
            false,
        ),
        (
            "a control byte in a header name".into(),
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-B\x01d: v\r\n\r\n".to_vec(),
            false,
        ),
        (
            "control bytes in a header value".into(),
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-V: \x00\x01\x7f\r\n\r\n".to_vec(),
            false,
        ),
        (
            "0xff in a header name".into(),
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-\xff: v\r\n\r\n".to_vec(),
            false,
        ),
        (
            "obs-text in the authorization".into(),
            format!("GET /api/v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: \u{ff}{key}\r\n\r\n")
                .into_bytes(),
            false,
        ),
        (
            "invalid UTF-8 in the path".into(),
            [
                &b"GET /api/v1/apps/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: "[..],
                key.as_bytes(),
                b"\r\n\r\n",
            ]
            .concat(),
            false,
        ),
        (
            "a NUL in the path".into(),
            [
                &b"GET /api/v1/apps/a\x00b HTTP/1.1\r\nHost: x\r\nAuthorization: "[..],
                key.as_bytes(),
                b"\r\n\r\n",
            ]
            .concat(),
            false,
        ),
        (
            "percent garbage with a key".into(),
            get("/shortlink/v1/%ZZ?id=%C3%28").into_bytes(),
            false,
        ),
        (
            "percent garbage in v2 ids".into(),
            get("/api/v2.0/shortlinks/%C3%28/%FF%00/qr?size=%ZZ").into_bytes(),
            false,
        ),
        (
            "an absurd content-length".into(),
            post(
                "/shortlink/v1/Gbg1",
                "Content-Length: 99999999999999999999\r\n",
                b"{}",
            ),
            false,
        ),
        (
            "a negative content-length".into(),
            post("/shortlink/v1/Gbg1", "Content-Length: -5\r\n", b"{}"),
            false,
        ),
        (
            "two content-lengths".into(),
            post(
                "/shortlink/v1/Gbg1",
                "Content-Length: 2\r\nContent-Length: 3\r\n",
                b"{}",
            ),
            false,
        ),
        (
            "a bad chunk size".into(),
            post(
                "/api/v1/apps",
                "Transfer-Encoding: chunked\r\n",
                b"zz\r\n{}\r\n0\r\n\r\n",
            ),
            false,
        ),
        (
            "chunked and a content-length".into(),
            post(
                "/api/v1/apps",
                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                b"2\r\n{}\r\n0\r\n\r\n",
            ),
            false,
        ),
        (
            "a chunk of 2^80 bytes".into(),
            post(
                "/api/v1/apps",
                "Transfer-Encoding: chunked\r\n",
                b"FFFFFFFFFFFFFFFFFFFF\r\n{}",
            ),
            true,
        ),
        (
            "a body shorter than its length".into(),
            post(
                "/api/v2.0/shortlinks/Gbg1",
                "Content-Length: 1000000\r\n",
                b"{\"data\":",
            ),
            true,
        ),
        (
            "a body of invalid UTF-8 and NULs".into(),
            post(
                "/api/v2.0/shortlinks/Gbg1",
                &format!("Content-Length: {}\r\n", body_with_bytes.len()),
                &body_with_bytes,
            ),
            false,
        ),
        ("a partial request line".into(), b"GET /heal".to_vec(), true),
        (
            "headers without their end".into(),
            b"GET /health HTTP/1.1\r\nHost: x\r\n".to_vec(),
            true,
        ),
        (
            "a request line of 100 KB".into(),
            format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)).into_bytes(),
            false,
        ),
        (
            "200 headers".into(),
            format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into_bytes(),
            false,
        ),
        (
            "a header of 500 KB".into(),
            format!(
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "b".repeat(500_000)
            )
            .into_bytes(),
            false,
        ),
        ("empty lines".into(), b"\r\n\r\n\r\n\r\n".to_vec(), false),
        (
            "HTTP/1.0 without a host".into(),
            b"GET /health HTTP/1.0\r\n\r\n".to_vec(),
            false,
        ),
        (
            "an absolute-form target".into(),
            get("http://evil.example/api/v1/apps").into_bytes(),
            false,
        ),
        (
            "CONNECT".into(),
            b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n".to_vec(),
            false,
        ),
        (
            "the HTTP/2 preface".into(),
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            false,
        ),
        (
            "a TLS client hello".into(),
            [
                &[
                    0x16u8, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03,
                ][..],
                &[0; 160],
            ]
            .concat(),
            false,
        ),
        (
            "pipelined requests then garbage".into(),
            format!(
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n{}\x00\x01garbage\r\n\r\n",
                get("/api/v2.0/shortlinks-quota")
            )
            .into_bytes(),
            false,
        ),
        (
            "bare LF line ends".into(),
            b"GET /health HTTP/1.1\nHost: x\n\n".to_vec(),
            false,
        ),
        (
            "a space before the colon".into(),
            b"GET /health HTTP/1.1\r\nHost : x\r\n\r\n".to_vec(),
            false,
        ),
        (
            "an obs-folded header".into(),
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".to_vec(),
            false,
        ),
        (
            "a method with high bytes".into(),
            b"G\xffT /health HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            false,
        ),
        (
            "a lowercase method".into(),
            get("/api/v1/apps").replacen("GET", "get", 1).into_bytes(),
            false,
        ),
    ];
    let click = |target: &str, host: &[u8], agent: &[u8]| {
        [
            format!("GET {target} HTTP/1.1\r\nHost: ").as_bytes(),
            host,
            b"\r\nUser-Agent: ",
            agent,
            b"\r\n\r\n",
        ]
        .concat()
    };
    let android = b"Mozilla/5.0 (Linux; Android 14; Pixel 8)";
    for (name, target, host, agent) in [
        (
            "a click with raw quotes and brackets",
            "/Gbg1?af_og_title=\"><script>alert(1)</script>",
            &b"rawhttp.links.test"[..],
            &b"Twitterbot/1.0"[..],
        ),
        (
            "a click path of raw non-ASCII",
            "/Gbg1/\u{ff}\u{fe}",
            b"rawhttp.links.test",
            android,
        ),
        (
            "a click with NUL in the host",
            "/Gbg1/known1",
            b"rawhttp\0.links.test",
            android,
        ),
        (
            "a click host of high bytes",
            "/Gbg1",
            b"\xff\xfe.links.test",
            android,
        ),
        (
            "a click user agent of high bytes",
            "/Gbg1",
            b"rawhttp.links.test",
            b"Android \xff\xfe (\xc3\x28; iPhone OS \xe2\x82",
        ),
        (
            "a click user agent with control bytes",
            "/Gbg1?af_dp=x",
            b"go.rawhttp.example",
            b"Android\x01\x7f\x1b[31m",
        ),
        ("a click with an empty host", "/Gbg1/known1", b"", android),
        (
            "an absolute-form click",
            "http://evil.example/Gbg1/known1",
            b"rawhttp.links.test",
            android,
        ),
        (
            "a click query of raw high bytes",
            "/Gbg1?af_r=\u{ff}&idfa=\u{0}",
            b"rawhttp.links.test",
            b"iPhone",
        ),
    ] {
        cases.push((name.into(), click(target, host, agent), false));
    }
    let mut rng = Rng::new(seed);
    for i in 0..12 {
        let noise = rng.bytes(4000);
        let bytes = if i % 2 == 0 {
            noise
        } else {
            post("/api/v1/templates", "Content-Length: 4000\r\n", &noise)
        };
        cases.push((format!("random bytes #{i}"), bytes, i % 3 == 0));
    }
    cases
}

/// Sends every case at once; answers each case with the statuses read.
pub fn send_all(address: &str, key: &str, seed: u64) -> Vec<(String, Option<u16>)> {
    let threads: Vec<_> = cases(key, seed)
        .into_iter()
        .map(|(name, bytes, close_write)| {
            let address = address.to_owned();
            thread::spawn(move || {
                let worst = exchange(&address, &bytes, close_write).into_iter().max();
                (name, worst)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a raw case ends"))
        .collect()
}

/// Many connections that open and close at once, and slow clients that
/// trickle a partial request and give up: the server keeps answering
/// others promptly meanwhile.
pub fn slowloris(address: &str) {
    for _ in 0..200 {
        drop(TcpStream::connect(address).expect("a connection"));
    }
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(address).expect("a connection");
        let _ = stream
            .write_all(b"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nX-Slow: ");
        slow.push(stream);
    }
    for _ in 0..5 {
        for stream in &mut slow {
            let _ = stream.write_all(b"a");
        }
        sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    let statuses = exchange(
        address,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    );
    assert_eq!(statuses, [200], "served while slow clients hang");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for (i, stream) in slow.iter_mut().enumerate() {
        if i % 2 == 0 {
            let _ = stream.write_all(b"\r\n\r\n{\"plat");
        }
    }
    drop(slow);
    sleep(Duration::from_millis(100));
}

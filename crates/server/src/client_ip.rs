//! The client's IP address, and its keyed hash: the only form in which an
//! address is ever stored.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Cidr;

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the first address of `x-forwarded-for` (the client as the outermost
/// proxy saw it).
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer_ip = peer.ip().to_canonical();
    if !trusted.iter().any(|net| net.contains(peer_ip)) {
        return peer_ip;
    }
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|first| first.trim().parse::<IpAddr>().ok())
        .map_or(peer_ip, |ip| ip.to_canonical())
}

/// HMAC-SHA256 of the address under the server's secret key, hex: equal
/// addresses match, and nothing can read an address back.
pub fn ip_hash(key: &[u8], ip: IpAddr) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(ip.to_string().as_bytes());
    // On every click: hex by table, not by a `format!` per byte.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let proxy: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let h = headers("198.51.100.7, 10.1.2.3");
        assert_eq!(client_ip(proxy, &h, &trusted).to_string(), "198.51.100.7");
        assert_eq!(client_ip(stranger, &h, &trusted).to_string(), "203.0.113.9");
        assert_eq!(
            client_ip(proxy, &headers("garbage"), &trusted).to_string(),
            "10.1.2.3"
        );
        assert_eq!(client_ip(proxy, &h, &[]).to_string(), "10.1.2.3");
    }

    #[test]
    fn an_ipv4_mapped_peer_counts_as_ipv4() {
        let peer: SocketAddr = "[::ffff:192.0.2.1]:80".parse().unwrap();
        assert_eq!(
            client_ip(peer, &HeaderMap::new(), &[]).to_string(),
            "192.0.2.1"
        );
    }

    #[test]
    fn the_hash_is_keyed_and_stable() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(ip_hash(b"k1", ip), ip_hash(b"k1", ip));
        assert_ne!(ip_hash(b"k1", ip), ip_hash(b"k2", ip));
        assert_eq!(ip_hash(b"k1", ip).len(), 64);
        assert!(!ip_hash(b"k1", ip).contains("192"));
    }
}

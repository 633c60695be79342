//! Address ranges (`TRUSTED_PROXIES`) and the client address of a request that came through
//! them: the right-most address of `X-Forwarded-For` (or RFC 7239 `Forwarded`) that is not a
//! trusted proxy. Addresses further left were written by whoever sent the request, so they
//! are never believed.

use std::net::IpAddr;

/// An address range, `ip/prefix` (a bare address is the range of itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `::1/128` or `127.0.0.1`.
    ///
    /// # Errors
    /// Why `raw` is not a range.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (ip, prefix) = raw.split_once('/').map_or((raw, None), |(ip, prefix)| (ip, Some(prefix)));
        let network: IpAddr = ip.trim().parse().map_err(|_| format!("{ip:?} is not an IP address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{p:?} is not a prefix length (0 to {max})"))?,
        };
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An address as proxies write it: bare, `ip:port`, `[v6]:port` or quoted (`Forwarded`).
fn address(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Ok(ip) = raw.parse() {
        return Some(ip);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    raw.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

/// The hops a request passed, oldest first, from `X-Forwarded-For` (or else the `for=` of
/// `Forwarded`). An entry that is not an address ends the list there: nothing before it can
/// be placed.
pub fn forwarded_chain(x_forwarded_for: &[&str], forwarded: &[&str]) -> Vec<Option<IpAddr>> {
    if !x_forwarded_for.is_empty() {
        return x_forwarded_for.iter().flat_map(|h| h.split(',')).map(address).collect();
    }
    forwarded
        .iter()
        .flat_map(|h| h.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| address(value))
            })
        })
        .collect()
}

/// The client: the peer, or when the peer is a trusted proxy, the right-most hop that is not
/// one (the left-most when every hop is trusted).
pub fn client_address(peer: IpAddr, chain: &[Option<IpAddr>], trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn ranges_hold_their_addresses() {
        let private = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(private.contains(ip("10.200.1.2")) && !private.contains(ip("11.0.0.1")));
        assert!(Cidr::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(!Cidr::parse("127.0.0.1").unwrap().contains(ip("127.0.0.2")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        // An IPv4 peer seen through an IPv6 socket.
        assert!(Cidr::parse("127.0.0.1").unwrap().contains(ip("::ffff:127.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x", ""] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let trusted = [Cidr::parse("127.0.0.1").unwrap(), Cidr::parse("10.0.0.0/8").unwrap()];
        let chain = forwarded_chain(&["6.6.6.6, 203.0.113.7", "10.1.1.1"], &[]);
        assert_eq!(client_address(ip("127.0.0.1"), &chain, &trusted), ip("203.0.113.7"));
        // Headers from an untrusted peer are ignored.
        assert_eq!(client_address(ip("198.51.100.1"), &chain, &trusted), ip("198.51.100.1"));
        // Nothing trusted: the peer.
        assert_eq!(client_address(ip("127.0.0.1"), &chain, &[]), ip("127.0.0.1"));
        // Garbage stops the walk at the last trusted hop.
        let chain = forwarded_chain(&["203.0.113.7, junk"], &[]);
        assert_eq!(client_address(ip("127.0.0.1"), &chain, &trusted), ip("127.0.0.1"));
        let chain = forwarded_chain(&[], &["for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\""]);
        assert_eq!(client_address(ip("10.0.0.5"), &chain, &trusted), ip("2001:db8::1"));
        let chain = forwarded_chain(&["203.0.113.9:5555"], &[]);
        assert_eq!(client_address(ip("127.0.0.1"), &chain, &trusted), ip("203.0.113.9"));
    }
}

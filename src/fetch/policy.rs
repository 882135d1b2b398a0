//! Which addresses a feed may reach: the guard that keeps an editor's typo
//! or a partner's redirect from turning wirefeed into a probe of the
//! private network (a router's admin page, a cloud metadata service).
//!
//! By default only public addresses are reached. The check runs where the
//! address is known: in [`PublicOnly`], the DNS resolver of the strict
//! client, which hands reqwest only the addresses that pass (so what was
//! checked is what is connected to: no window for DNS rebinding between the
//! two), and in [`check_literal`] for URLs that name an IP address, which
//! reqwest connects to without asking the resolver. Redirects go through
//! both again, hop by hop (`redirects`). A feed with `allow_private = true`
//! is fetched by a client without this resolver.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why an address is not reached without `allow_private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRange {
    /// 0.0.0.0/8, `::`: "this host" to most stacks.
    Unspecified,
    /// 127.0.0.0/8, `::1`.
    Loopback,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// 100.64.0.0/10, shared by carrier-grade NAT.
    SharedNat,
    /// 169.254.0.0/16 (cloud metadata at 169.254.169.254), `fe80::/10`.
    LinkLocal,
    /// `fc00::/7`, and the deprecated site-local `fec0::/10`.
    UniqueLocal,
    /// 224.0.0.0/4, `ff00::/8`.
    Multicast,
    /// 240.0.0.0/4, 255.255.255.255 included.
    Reserved,
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressRange::Unspecified => "an unspecified address",
            AddressRange::Loopback => "a loopback address",
            AddressRange::Private => "a private (RFC 1918) address",
            AddressRange::SharedNat => "a carrier-grade NAT address",
            AddressRange::LinkLocal => "a link-local address",
            AddressRange::UniqueLocal => "a unique-local address",
            AddressRange::Multicast => "a multicast address",
            AddressRange::Reserved => "a reserved or broadcast address",
        })
    }
}

/// The range that keeps `ip` from being reached, or `None` for a public address.
///
/// IPv6 forms that carry an IPv4 address (`::ffff:127.0.0.1`, `::127.0.0.1`,
/// NAT64 `64:ff9b::127.0.0.1`) are judged by that address.
pub fn refused_range(ip: IpAddr) -> Option<AddressRange> {
    match ip {
        IpAddr::V4(ip) => refused_v4(ip),
        IpAddr::V6(ip) => refused_v6(ip),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<AddressRange> {
    let [a, b, ..] = ip.octets();
    Some(match (a, b) {
        (0, _) => AddressRange::Unspecified,
        (127, _) => AddressRange::Loopback,
        (10, _) | (192, 168) => AddressRange::Private,
        (172, 16..=31) => AddressRange::Private,
        (100, 64..=127) => AddressRange::SharedNat,
        (169, 254) => AddressRange::LinkLocal,
        (224..=239, _) => AddressRange::Multicast,
        (240..=255, _) => AddressRange::Reserved,
        _ => return None,
    })
}

fn refused_v6(ip: Ipv6Addr) -> Option<AddressRange> {
    if ip.is_unspecified() {
        return Some(AddressRange::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressRange::Loopback);
    }
    if let Some(v4) = embedded_v4(ip) {
        return refused_v4(v4);
    }
    let first = ip.segments()[0];
    match first {
        _ if first & 0xffc0 == 0xfe80 => Some(AddressRange::LinkLocal),
        _ if first & 0xffc0 == 0xfec0 => Some(AddressRange::UniqueLocal),
        _ if first & 0xfe00 == 0xfc00 => Some(AddressRange::UniqueLocal),
        _ if first & 0xff00 == 0xff00 => Some(AddressRange::Multicast),
        _ => None,
    }
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = ip.segments();
    let low = |s: &[u16]| Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7]));
    match segments {
        // ::a.b.c.d (deprecated "compatible" form; `::` and `::1` are handled before).
        [0, 0, 0, 0, 0, 0, _, _] => Some(low(&segments)),
        // 64:ff9b::a.b.c.d, the well-known NAT64 prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low(&segments)),
        _ => None,
    }
}

/// A host that may not be reached, and the address that says so.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{host} is {range} ({address})")]
pub struct Refused {
    /// The host as the URL names it.
    pub host: String,
    /// The (first) refused address it resolved to, or the literal address.
    pub address: IpAddr,
    pub range: AddressRange,
}

/// For a URL naming an IP address, refuses it when it is not public.
/// Names are left to [`PublicOnly`], which sees what they resolve to.
pub(crate) fn check_literal(url: &Url) -> Result<(), Refused> {
    let address = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(_)) | None => return Ok(()),
    };
    match refused_range(address) {
        Some(range) => Err(Refused {
            host: url.host_str().unwrap_or_default().to_owned(),
            address,
            range,
        }),
        None => Ok(()),
    }
}

/// The strict client's DNS resolver: the system resolver, with every
/// refused address dropped; a name left with none fails with [`Refused`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The port is a placeholder: the connector sets the URL's own.
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (public, refused) = keep_public(resolved);
            if let (true, Some((address, range))) = (public.is_empty(), refused) {
                let refused = Refused {
                    host,
                    address,
                    range,
                };
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            tracing::trace!(host, addresses = public.len(), "resolved");
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The public addresses, and the first refused one with its range.
fn keep_public(addresses: Vec<SocketAddr>) -> (Vec<SocketAddr>, Option<(IpAddr, AddressRange)>) {
    let mut refused = None;
    let public = addresses
        .into_iter()
        .filter(|address| match refused_range(address.ip()) {
            Some(range) => {
                refused.get_or_insert((address.ip(), range));
                false
            }
            None => true,
        })
        .collect();
    (public, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Option<AddressRange> {
        refused_range(text.parse().expect("test address"))
    }

    #[test]
    fn every_non_public_ipv4_range_is_refused() {
        let cases = [
            ("0.0.0.0", AddressRange::Unspecified),
            ("0.1.2.3", AddressRange::Unspecified),
            ("127.0.0.1", AddressRange::Loopback),
            ("127.255.255.254", AddressRange::Loopback),
            ("10.0.0.1", AddressRange::Private),
            ("172.16.0.1", AddressRange::Private),
            ("172.31.255.255", AddressRange::Private),
            ("192.168.1.1", AddressRange::Private),
            ("100.64.0.1", AddressRange::SharedNat),
            ("100.127.255.255", AddressRange::SharedNat),
            ("169.254.169.254", AddressRange::LinkLocal),
            ("169.254.0.1", AddressRange::LinkLocal),
            ("224.0.0.1", AddressRange::Multicast),
            ("239.255.255.250", AddressRange::Multicast),
            ("240.0.0.1", AddressRange::Reserved),
            ("255.255.255.255", AddressRange::Reserved),
        ];
        for (address, expected) in cases {
            assert_eq!(range(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_ipv4_neighbours_of_refused_ranges_are_allowed() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "11.0.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.167.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "223.255.255.255",
        ] {
            assert_eq!(range(address), None, "{address}");
        }
    }

    #[test]
    fn every_non_public_ipv6_range_is_refused() {
        let cases = [
            ("::", AddressRange::Unspecified),
            ("::1", AddressRange::Loopback),
            ("fe80::1", AddressRange::LinkLocal),
            ("febf::1", AddressRange::LinkLocal),
            ("fc00::1", AddressRange::UniqueLocal),
            ("fd12:3456::1", AddressRange::UniqueLocal),
            ("fec0::1", AddressRange::UniqueLocal),
            ("ff02::1", AddressRange::Multicast),
        ];
        for (address, expected) in cases {
            assert_eq!(range(address), Some(expected), "{address}");
        }
        for address in ["2001:4860:4860::8888", "2a00:1450::1", "fe00::1"] {
            assert_eq!(range(address), None, "{address}");
        }
    }

    #[test]
    fn ipv6_forms_of_refused_ipv4_addresses_are_refused() {
        let cases = [
            ("::ffff:127.0.0.1", AddressRange::Loopback),
            ("::ffff:169.254.169.254", AddressRange::LinkLocal),
            ("::ffff:10.1.2.3", AddressRange::Private),
            ("::ffff:100.64.0.1", AddressRange::SharedNat),
            ("::ffff:0.0.0.0", AddressRange::Unspecified),
            ("::127.0.0.1", AddressRange::Loopback),
            ("64:ff9b::192.168.0.1", AddressRange::Private),
            ("64:ff9b::a9fe:a9fe", AddressRange::LinkLocal),
        ];
        for (address, expected) in cases {
            assert_eq!(range(address), Some(expected), "{address}");
        }
        assert_eq!(range("::ffff:8.8.8.8"), None);
        assert_eq!(range("64:ff9b::8.8.8.8"), None);
    }

    #[test]
    fn literal_hosts_are_checked_and_names_are_left_to_the_resolver() {
        let refused = |text: &str| check_literal(&Url::parse(text).expect("test url"));
        let error = refused("http://169.254.169.254/latest/meta-data/").unwrap_err();
        assert_eq!(error.range, AddressRange::LinkLocal);
        assert!(error.to_string().contains("169.254.169.254"), "{error}");
        assert!(refused("http://[::ffff:7f00:1]/feed").is_err());
        // The url crate reads these IPv4 spellings as 127.0.0.1 too.
        assert!(refused("http://2130706433/feed").is_err());
        assert!(refused("http://0x7f.1/feed").is_err());
        assert!(refused("https://93.184.216.34/feed").is_ok());
        assert!(refused("https://agency.example/feed").is_ok());
    }

    #[test]
    fn resolved_addresses_keep_only_the_public_ones() {
        let addresses = ["127.0.0.1:0", "93.184.216.34:0", "[::1]:0"]
            .map(|text| text.parse::<SocketAddr>().expect("test address"));
        let (public, refused) = keep_public(Vec::from(addresses));
        assert_eq!(public, [addresses[1]]);
        assert_eq!(
            refused,
            Some(("127.0.0.1".parse().expect("ip"), AddressRange::Loopback))
        );
    }

    #[tokio::test]
    async fn a_name_that_resolves_only_to_loopback_is_refused_by_the_resolver() {
        let name: Name = "localhost".parse().expect("name");
        let error = match PublicOnly.resolve(name).await {
            Ok(addresses) => panic!("resolved to {:?}", addresses.collect::<Vec<_>>()),
            Err(error) => error,
        };
        let refused = error.downcast_ref::<Refused>().expect("a Refused error");
        assert_eq!(refused.host, "localhost");
        assert_eq!(refused.range, AddressRange::Loopback);
    }
}

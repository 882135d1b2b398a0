//! Canonical article URLs: the same story reached through a newsletter, a
//! social post or an ad gets the same URL, so attribution and duplicate
//! folding see one link.

use url::Url;

/// Query parameters that only say how a reader arrived. Compared
/// case-insensitively; `utm_*` is matched as a prefix in [`is_tracking`].
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "cmpid",
    "ocid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "s_cid",
    "wt_mc",
    "at_medium",
    "at_campaign",
    "rb_clickid",
    "spm",
];

/// The canonical form of `url`: tracking parameters and the fragment removed,
/// host lower-cased, default port dropped; every other query parameter kept
/// as written, in its order.
pub fn canonical_url(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);

    if let Some(host) = canonical.host_str() {
        let lower = host.to_ascii_lowercase();
        if lower != host {
            // Only fails for hosts that were already invalid, which `Url` cannot hold.
            let _ = canonical.set_host(Some(&lower));
        }
    }
    // `Url` already hides a default port of http/https; this covers other
    // schemes that `port_or_known_default` knows.
    if canonical.port().is_some() && canonical.port() == default_port(canonical.scheme()) {
        let _ = canonical.set_port(None);
    }

    if let Some(query) = canonical.query() {
        // Work on the raw pairs so kept parameters keep their exact encoding.
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_tracking(pair_name(pair)))
            .collect();
        let kept = if kept.is_empty() {
            None
        } else {
            Some(kept.join("&"))
        };
        canonical.set_query(kept.as_deref());
    }
    canonical
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

fn pair_name(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(name, _)| name)
}

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(url: &str) -> String {
        canonical_url(&Url::parse(url).unwrap()).to_string()
    }

    #[test]
    fn tracking_parameters_are_removed_from_canonical_url() {
        assert_eq!(
            canon(
                "https://news.example/a?utm_source=x&id=7&fbclid=abc&UTM_Medium=y&gclid=1&page=2#comments"
            ),
            "https://news.example/a?id=7&page=2"
        );
    }

    #[test]
    fn query_disappears_when_only_trackers_were_left() {
        assert_eq!(
            canon("https://news.example/a?utm_campaign=z&mc_cid=1"),
            "https://news.example/a"
        );
    }

    #[test]
    fn host_is_lower_cased_and_default_port_dropped() {
        assert_eq!(
            canon("HTTPS://News.Example:443/Story"),
            "https://news.example/Story"
        );
        assert_eq!(
            canon("http://news.example:8080/s"),
            "http://news.example:8080/s"
        );
    }

    #[test]
    fn other_parameters_keep_their_order_and_encoding() {
        assert_eq!(
            canon("https://x.example/?b=2&a=%20q&c"),
            "https://x.example/?b=2&a=%20q&c"
        );
    }
}

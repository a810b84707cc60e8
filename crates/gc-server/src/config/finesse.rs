//! `[finesse]`: the nodes of the Finesse cluster, or none (the built-in simulator).

use std::path::PathBuf;
use std::time::Duration;

use gc_finesse::XmppSecurity;

use super::problems::Problems;
use super::raw;

/// One Finesse node.
#[derive(Clone, Debug)]
pub struct NodeSettings {
    pub rest_url: String,
    pub xmpp_host: String,
    pub xmpp_port: u16,
}

/// Finesse settings; absent when the built-in simulator is to be used.
#[derive(Clone, Debug)]
pub struct FinesseSettings {
    pub primary: NodeSettings,
    pub secondary: Option<NodeSettings>,
    pub xmpp_domain: String,
    pub xmpp_security: XmppSecurity,
    pub ca_file: Option<PathBuf>,
    pub request_timeout: Duration,
    pub probe_interval: Duration,
}

/// The checked `[finesse]` section; `None` without a primary node (`finesse.primary_url`).
pub(super) fn finesse(raw: raw::Finesse, problems: &mut Problems) -> Option<FinesseSettings> {
    let primary = node("primary", raw.primary_url, &raw.primary_xmpp, problems)?;
    let secondary = node(
        "secondary",
        raw.secondary_url,
        &raw.secondary_xmpp,
        problems,
    );
    let xmpp_security = problems.choice(
        "finesse.xmpp_security",
        &raw.xmpp_security,
        &[
            ("plain", XmppSecurity::Plain),
            ("starttls", XmppSecurity::StartTls),
            ("tls", XmppSecurity::DirectTls),
        ],
        XmppSecurity::StartTls,
    );
    let mut xmpp_domain = raw.xmpp_domain;
    if xmpp_domain.is_empty() {
        xmpp_domain.clone_from(&primary.xmpp_host);
    }
    Some(FinesseSettings {
        xmpp_domain,
        xmpp_security,
        ca_file: (!raw.ca_file.is_empty()).then(|| PathBuf::from(raw.ca_file)),
        request_timeout: problems.secs("finesse.request_timeout_secs", raw.request_timeout_secs, 1),
        probe_interval: problems.secs("finesse.probe_interval_secs", raw.probe_interval_secs, 1),
        primary,
        secondary,
    })
}

/// `finesse.<which>_url` and `finesse.<which>_xmpp` (host:port); `None` when the URL is empty
/// or the node is unusable (then with a problem).
fn node(
    which: &str,
    rest_url: String,
    xmpp: &str,
    problems: &mut Problems,
) -> Option<NodeSettings> {
    if rest_url.is_empty() {
        if !xmpp.is_empty() {
            problems.push(format!(
                "`finesse.{which}_xmpp` is set without `finesse.{which}_url`"
            ));
        }
        return None;
    }
    if !(rest_url.starts_with("http://") || rest_url.starts_with("https://")) {
        problems.push(format!(
            "`finesse.{which}_url` must start with http:// or https://"
        ));
    }
    let Some((host, port)) = xmpp
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
    else {
        problems.push(format!("`finesse.{which}_xmpp` must be host:port"));
        return None;
    };
    Some(NodeSettings {
        rest_url,
        xmpp_host: host.to_owned(),
        xmpp_port: port,
    })
}

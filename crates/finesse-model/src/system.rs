//! SystemInfo (finesse-api.md §4.7): node health and the cluster's addresses.

use crate::xml::{Element, ParseError};
use crate::{expect_root, open_enum, opt_enum};

open_enum! {
    /// Whether the node can serve agents.
    SystemStatus {
        InService => "IN_SERVICE",
        OutOfService => "OUT_OF_SERVICE",
        PartialService => "PARTIAL_SERVICE",
    }
}

/// One node's addresses as SystemInfo advertises them (ports only on 12.6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeAddress {
    /// Host name.
    pub host: String,
    /// REST port.
    pub https_port: Option<u16>,
    /// Plain XMPP port.
    pub xmpp_port: Option<u16>,
    /// TLS XMPP port.
    pub xmpp_secure_port: Option<u16>,
}

impl NodeAddress {
    fn from_element(e: &Element<'_>) -> Option<Self> {
        Some(Self {
            host: e.text_of("host")?,
            https_port: e.number_of("httpsPort"),
            xmpp_port: e.number_of("xmppPort"),
            xmpp_secure_port: e.number_of("xmppSecurePort"),
        })
    }
}

/// `GET /finesse/api/SystemInfo`, also pushed on the SystemInfo node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemInfo {
    /// Service status; `None` if missing.
    pub status: Option<SystemStatus>,
    /// Why the node is out of service, if it says.
    pub status_reason: Option<String>,
    /// `UCCE` or `UCCX`.
    pub deployment_type: Option<String>,
    /// Server clock (ISO-8601).
    pub current_timestamp: Option<String>,
    /// XMPP domain (normally this node's FQDN).
    pub xmpp_domain: Option<String>,
    /// PubSub service (normally `pubsub.<xmppDomain>`).
    pub xmpp_pubsub_domain: Option<String>,
    /// Side A.
    pub primary_node: Option<NodeAddress>,
    /// Side B (absent on a single-node cluster).
    pub secondary_node: Option<NodeAddress>,
    /// `NON_SSO`, `SSO`, `HYBRID`.
    pub system_auth_mode: Option<String>,
    /// Minutes from UTC.
    pub timezone_offset: Option<i32>,
    /// `success` / `failure`.
    pub last_cti_heartbeat_status: Option<String>,
    /// `/finesse/api/SystemInfo`.
    pub uri: Option<String>,
}

impl SystemInfo {
    /// Parses a `SystemInfo`/`systemInfo` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "SystemInfo", "SystemInfo")?;
        Ok(Self {
            status: opt_enum(e, "status", SystemStatus::parse),
            status_reason: e.text_of("statusReason"),
            deployment_type: e.text_of("deploymentType"),
            current_timestamp: e.text_of("currentTimestamp"),
            xmpp_domain: e.text_of("xmppDomain"),
            xmpp_pubsub_domain: e.text_of("xmppPubSubDomain"),
            primary_node: e.child("primaryNode").and_then(NodeAddress::from_element),
            secondary_node: e.child("secondaryNode").and_then(NodeAddress::from_element),
            system_auth_mode: e.text_of("systemAuthMode"),
            timezone_offset: e.number_of("timezoneOffset"),
            last_cti_heartbeat_status: e.text_of("lastCTIHeartbeatStatus"),
            uri: e.text_of("uri"),
        })
    }

    /// Parses a REST body.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// Whether the node reports `IN_SERVICE` (the only status a failover may switch to).
    pub fn is_in_service(&self) -> bool {
        self.status == Some(SystemStatus::InService)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_parses() {
        let info = SystemInfo::parse(
            br"<SystemInfo><currentTimestamp>2025-03-04T09:14:58.905Z</currentTimestamp>
            <deploymentType>UCCE</deploymentType>
            <primaryNode><host>fin-a.cc.example.local</host><httpsPort>8445</httpsPort>
              <xmppPort>5222</xmppPort><xmppSecurePort>5223</xmppSecurePort></primaryNode>
            <secondaryNode><host>fin-b.cc.example.local</host></secondaryNode>
            <status>IN_SERVICE</status><systemAuthMode>NON_SSO</systemAuthMode>
            <timezoneOffset>60</timezoneOffset><uri>/finesse/api/SystemInfo</uri>
            <xmppDomain>fin-a.cc.example.local</xmppDomain>
            <xmppPubSubDomain>pubsub.fin-a.cc.example.local</xmppPubSubDomain></SystemInfo>",
        )
        .unwrap();
        assert!(info.is_in_service());
        let primary = info.primary_node.unwrap();
        assert_eq!(primary.host, "fin-a.cc.example.local");
        assert_eq!(primary.xmpp_secure_port, Some(5223));
        assert_eq!(info.secondary_node.unwrap().https_port, None);
        assert_eq!(
            info.xmpp_pubsub_domain.as_deref(),
            Some("pubsub.fin-a.cc.example.local")
        );
        assert_eq!(info.timezone_offset, Some(60));
    }

    #[test]
    fn out_of_service_and_unknown_status() {
        let info = SystemInfo::parse(b"<systemInfo><status>out_of_service</status></systemInfo>");
        assert_eq!(info.unwrap().status, Some(SystemStatus::OutOfService));
        let info =
            SystemInfo::parse(b"<SystemInfo><status>DRAINING</status></SystemInfo>").unwrap();
        assert_eq!(info.status, Some(SystemStatus::Other("DRAINING".into())));
        assert!(!info.is_in_service());
    }
}

//! ReasonCodes and WrapUpReasons (finesse-api.md §4.1, §4.2).

use super::xml::{Element, ParseError};
use super::{expect_root, open_enum, opt_enum};

open_enum! {
    /// Reason code category.
    ReasonCategory {
        NotReady => "NOT_READY",
        Logout => "LOGOUT",
        All => "ALL",
    }
}

/// A reason code. State changes carry its `id`; reports and CTI use its numeric `code`, so
/// both are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReasonCodeInfo {
    /// Finesse DB id (from `id`, else the last segment of `uri`).
    pub id: Option<String>,
    /// `/finesse/api/ReasonCode/{id}`.
    pub uri: Option<String>,
    /// Category.
    pub category: Option<ReasonCategory>,
    /// Numeric code as text.
    pub code: Option<String>,
    /// Label shown to agents.
    pub label: Option<String>,
    /// Valid for all teams.
    pub for_all: Option<bool>,
    /// A system (not configured) reason.
    pub system_code: Option<bool>,
}

impl ReasonCodeInfo {
    /// Parses a `ReasonCode`/`reasonCode` element.
    pub fn from_element(e: &Element) -> Result<Self, ParseError> {
        expect_root(e, &["ReasonCode"], "ReasonCode")?;
        let uri = e.text_of("uri");
        Ok(Self {
            id: e.text_of("id").or_else(|| last_segment(uri.as_deref())),
            uri,
            category: opt_enum(e, "category", ReasonCategory::parse),
            code: e.text_of("code"),
            label: e.text_of("label"),
            for_all: e.bool_of("forAll"),
            system_code: e.bool_of("systemCode"),
        })
    }

    /// Parses a `ReasonCodes` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, &["ReasonCodes"], "ReasonCodes")?;
        e.children_named("ReasonCode")
            .map(Self::from_element)
            .collect()
    }
}

/// A wrap-up reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrapUpReason {
    /// Finesse id (from `id`, else the last segment of `uri`).
    pub id: Option<String>,
    /// `/finesse/api/WrapUpReason/{id}`.
    pub uri: Option<String>,
    /// The label (this text is what UPDATE_CALL_DATA sends as `wrapUpReason`).
    pub label: String,
    /// Valid for all teams.
    pub for_all: Option<bool>,
}

impl WrapUpReason {
    /// Parses a `WrapUpReason` element.
    pub fn from_element(e: &Element) -> Result<Self, ParseError> {
        expect_root(e, &["WrapUpReason"], "WrapUpReason")?;
        let uri = e.text_of("uri");
        Ok(Self {
            id: e.text_of("id").or_else(|| last_segment(uri.as_deref())),
            uri,
            label: e.text_of("label").unwrap_or_default(),
            for_all: e.bool_of("forAll"),
        })
    }

    /// Parses a `WrapUpReasons` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, &["WrapUpReasons"], "WrapUpReasons")?;
        e.children_named("WrapUpReason")
            .map(Self::from_element)
            .collect()
    }
}

/// The last path segment of a Finesse URI (`/finesse/api/ReasonCode/7` → `7`).
pub(crate) fn last_segment(uri: Option<&str>) -> Option<String> {
    uri?.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_parse_with_id_from_uri() {
        let body = br"<ReasonCodes>
            <ReasonCode><uri>/finesse/api/ReasonCode/7</uri><category>NOT_READY</category>
              <code>120</code><label>Short break</label><forAll>true</forAll>
              <systemCode>false</systemCode></ReasonCode>
            <reasonCode><id>12</id><category>logout</category><code>5</code>
              <label>End of shift</label><forAll>false</forAll></reasonCode>
          </ReasonCodes>";
        let list = ReasonCodeInfo::parse_list(body).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id.as_deref(), Some("7"));
        assert_eq!(list[0].category, Some(ReasonCategory::NotReady));
        assert_eq!(list[0].system_code, Some(false));
        assert_eq!(list[1].id.as_deref(), Some("12"));
        assert_eq!(list[1].category, Some(ReasonCategory::Logout));
        assert_eq!(list[1].for_all, Some(false));
    }

    #[test]
    fn wrap_up_reasons_parse() {
        let body = br"<WrapUpReasons><WrapUpReason><uri>/finesse/api/WrapUpReason/3</uri>
            <label>Billing question</label><forAll>true</forAll></WrapUpReason></WrapUpReasons>";
        let list = WrapUpReason::parse_list(body).unwrap();
        assert_eq!(list[0].id.as_deref(), Some("3"));
        assert_eq!(list[0].label, "Billing question");
        assert!(
            WrapUpReason::parse_list(b"<WrapUpReasons/>")
                .unwrap()
                .is_empty()
        );
    }
}

//! ReasonCodes and WrapUpReasons (finesse-api.md §4.1, §4.2).

use gc_protocol::ReasonCode;

use crate::xml::{Element, ParseError};
use crate::{expect_root, open_enum, opt_enum, opt_id};

open_enum! {
    /// Reason code category (`GET /User/{id}/ReasonCodes?category=…`).
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
    /// Finesse DB id (from `id`, else the last segment of `uri`): what `reasonCodeId`
    /// carries.
    pub id: Option<ReasonCode>,
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
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "ReasonCode", "ReasonCode")?;
        Ok(Self {
            id: opt_id(e, "id", ReasonCode::parse),
            uri: e.text_of("uri"),
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
        expect_root(&e, "ReasonCodes", "ReasonCodes")?;
        e.children_named("ReasonCode")
            .map(Self::from_element)
            .collect()
    }
}

/// A wrap-up reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrapUpReason {
    /// Finesse id (from `id`, else the last segment of `uri`).
    pub id: Option<ReasonCode>,
    /// `/finesse/api/WrapUpReason/{id}`.
    pub uri: Option<String>,
    /// The label (this text is what UPDATE_CALL_DATA sends as `wrapUpReason`).
    pub label: Option<String>,
    /// Valid for all teams.
    pub for_all: Option<bool>,
}

impl WrapUpReason {
    /// Parses a `WrapUpReason` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "WrapUpReason", "WrapUpReason")?;
        Ok(Self {
            id: opt_id(e, "id", ReasonCode::parse),
            uri: e.text_of("uri"),
            label: e.text_of("label"),
            for_all: e.bool_of("forAll"),
        })
    }

    /// Parses a `WrapUpReasons` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, "WrapUpReasons", "WrapUpReasons")?;
        e.children_named("WrapUpReason")
            .map(Self::from_element)
            .collect()
    }
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
        assert_eq!(list[0].id, ReasonCode::parse("7").ok());
        assert_eq!(list[0].category, Some(ReasonCategory::NotReady));
        assert_eq!(list[0].system_code, Some(false));
        assert_eq!(list[1].id, ReasonCode::parse("12").ok());
        assert_eq!(list[1].category, Some(ReasonCategory::Logout));
        assert_eq!(list[1].for_all, Some(false));
    }

    #[test]
    fn wrap_up_reasons_parse() {
        let body = br"<WrapUpReasons><WrapUpReason><uri>/finesse/api/WrapUpReason/3</uri>
            <label>Billing question</label><forAll>true</forAll></WrapUpReason></WrapUpReasons>";
        let list = WrapUpReason::parse_list(body).unwrap();
        assert_eq!(list[0].id, ReasonCode::parse("3").ok());
        assert_eq!(list[0].label.as_deref(), Some("Billing question"));
        assert!(
            WrapUpReason::parse_list(b"<WrapUpReasons/>")
                .unwrap()
                .is_empty()
        );
    }
}

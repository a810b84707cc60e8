//! Team with its users (finesse-api.md §4.5), and the team references in a supervisor's User.

use gc_protocol::ObjectId;

use crate::user::User;
use crate::xml::{Element, ParseError};
use crate::{expect_root, opt_id};

/// A team reference (`teams/Team` inside a User).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamRef {
    /// Team id (from `id`, else the last segment of `uri`).
    pub id: Option<ObjectId>,
    /// Team name.
    pub name: Option<String>,
    /// `/finesse/api/Team/{id}`.
    pub uri: Option<String>,
}

impl TeamRef {
    /// Reads a `Team` reference; never fails (every field is optional).
    pub fn from_element(e: &Element<'_>) -> Self {
        Self {
            id: opt_id(e, "id", ObjectId::parse),
            name: e.text_of("name"),
            uri: e.text_of("uri"),
        }
    }
}

/// `GET /finesse/api/Team/{id}`: a team and summaries of its users.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Team {
    /// Team id (from `id`, else the last segment of `uri`).
    pub id: Option<ObjectId>,
    /// Team name.
    pub name: Option<String>,
    /// `/finesse/api/Team/{id}`.
    pub uri: Option<String>,
    /// Summaries of the team's users (state, extension, reason …).
    pub users: Vec<User>,
}

impl Team {
    /// Parses a `Team`/`team` element. A user summary without `loginId` is skipped rather
    /// than failing the whole team.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "Team", "Team")?;
        let reference = TeamRef::from_element(e);
        let users = e
            .child("users")
            .map(|u| {
                u.children_named("User")
                    .filter_map(|x| User::from_element(x).ok())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            id: reference.id,
            name: reference.name,
            uri: reference.uri,
            users,
        })
    }

    /// Parses a REST body whose root is `Team`.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserState;

    #[test]
    fn team_with_users_parses() {
        let body = br"<Team><uri>/finesse/api/Team/1</uri><id>1</id><name>Billing</name>
          <users>
            <User><dialogs>/finesse/api/User/1001/Dialogs</dialogs><extension>3001</extension>
              <firstName>Ann</firstName><lastName>A</lastName><loginId>1001</loginId>
              <pendingState></pendingState><reasonCode><category>NOT_READY</category>
              <code>1</code><label>Lunch</label><id>2</id></reasonCode>
              <state>NOT_READY</state><stateChangeTime>2025-03-04T09:15:02.118Z</stateChangeTime>
              <uri>/finesse/api/User/1001</uri></User>
            <User><loginId>1002</loginId><state>TALKING</state><mediaState>BUSY</mediaState></User>
            <User><state>READY</state></User>
          </users></Team>";
        let team = Team::parse(body).unwrap();
        assert_eq!(team.id, ObjectId::parse("1").ok());
        assert_eq!(team.name.as_deref(), Some("Billing"));
        assert_eq!(team.users.len(), 2);
        assert_eq!(team.users[0].state, Some(UserState::NotReady));
        assert_eq!(
            team.users[0]
                .reason_code
                .as_ref()
                .and_then(|r| r.label.as_deref()),
            Some("Lunch")
        );
        assert_eq!(team.users[1].media_state.as_deref(), Some("BUSY"));
    }

    #[test]
    fn team_id_falls_back_to_uri() {
        let team = Team::parse(b"<team><uri>/finesse/api/Team/42</uri><users/></team>").unwrap();
        assert_eq!(team.id, ObjectId::parse("42").ok());
        assert!(team.users.is_empty());
    }
}

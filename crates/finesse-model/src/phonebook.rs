//! PhoneBooks and Contacts (finesse-api.md §4.4).

use gc_protocol::ObjectId;

use crate::xml::{Element, ParseError};
use crate::{expect_root, open_enum, opt_enum, opt_id};

open_enum! {
    /// Phone book scope.
    PhoneBookType {
        Global => "GLOBAL",
        Team => "TEAM",
    }
}

/// A phone book.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhoneBook {
    /// Phone book id (from `id`, else the last segment of `uri`).
    pub id: Option<ObjectId>,
    /// `/finesse/api/PhoneBook/{id}`.
    pub uri: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Global or team.
    pub kind: Option<PhoneBookType>,
    /// URI of its contacts collection.
    pub contacts_uri: Option<String>,
}

impl PhoneBook {
    /// Parses a `PhoneBook` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "PhoneBook", "PhoneBook")?;
        Ok(Self {
            id: opt_id(e, "id", ObjectId::parse),
            uri: e.text_of("uri"),
            name: e.text_of("name"),
            kind: opt_enum(e, "type", PhoneBookType::parse),
            contacts_uri: e.text_of("contacts"),
        })
    }

    /// Parses a `PhoneBooks` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, "PhoneBooks", "PhoneBooks")?;
        e.children_named("PhoneBook")
            .map(Self::from_element)
            .collect()
    }
}

/// A phone book contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// Contact id (from `id`, else the last segment of `uri`).
    pub id: Option<ObjectId>,
    /// `/finesse/api/PhoneBook/{pb}/Contact/{id}`.
    pub uri: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Number to dial.
    pub phone_number: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

impl Contact {
    /// Parses a `Contact` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "Contact", "Contact")?;
        Ok(Self {
            id: opt_id(e, "id", ObjectId::parse),
            uri: e.text_of("uri"),
            first_name: e.text_of("firstName"),
            last_name: e.text_of("lastName"),
            phone_number: e.text_of("phoneNumber"),
            description: e.text_of("description"),
        })
    }

    /// Parses a `Contacts` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, "Contacts", "Contacts")?;
        e.children_named("Contact")
            .map(Self::from_element)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_books_and_contacts_parse() {
        let books = PhoneBook::parse_list(
            br"<PhoneBooks><PhoneBook><uri>/finesse/api/PhoneBook/5</uri><name>Global</name>
            <type>GLOBAL</type><contacts>/finesse/api/PhoneBook/5/Contacts</contacts></PhoneBook>
            <PhoneBook><uri>/finesse/api/PhoneBook/6</uri><name>Team A</name><type>team</type>
            </PhoneBook></PhoneBooks>",
        )
        .unwrap();
        assert_eq!(books.len(), 2);
        assert_eq!(books[0].id, ObjectId::parse("5").ok());
        assert_eq!(books[0].kind, Some(PhoneBookType::Global));
        assert_eq!(books[1].kind, Some(PhoneBookType::Team));
        let contacts = Contact::parse_list(
            br"<Contacts><Contact><firstName>Max</firstName><lastName>M</lastName>
            <phoneNumber>0049301234</phoneNumber><description>Supplier &amp; partner</description>
            <uri>/finesse/api/PhoneBook/5/Contact/77</uri></Contact></Contacts>",
        )
        .unwrap();
        assert_eq!(contacts[0].id, ObjectId::parse("77").ok());
        assert_eq!(contacts[0].phone_number.as_deref(), Some("0049301234"));
        assert_eq!(
            contacts[0].description.as_deref(),
            Some("Supplier & partner")
        );
    }
}

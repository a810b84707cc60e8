//! The seed's Admin Commands table and the phone book rows of the Agent table: GetPhonebooks,
//! GetPhonebookContacts, GetTeamPhonebooks (O-29, O-30, O-31).

// Test helpers outside #[test] functions build fixtures from literals; a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gc_core::finesse::{FinesseReply, PhoneBook, Request};
use gc_protocol::{ErrorCode, Format, ObjectId};
use support::World;

fn books() -> Vec<PhoneBook> {
    vec![
        support::phone_book("1", "Global", "GLOBAL"),
        support::phone_book("2", "Sales", "TEAM"),
    ]
}

/// Rows "Get Team and Global Phonebooks" (Agent and Admin tables) → O-29.
#[test]
fn get_phonebooks_answers_o29() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("GetPhonebooks#1001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetPhoneBooks);
    w.answer(&op, FinesseReply::PhoneBooks(books()));
    assert_eq!(
        w.take_for("crm-7"),
        ["Phonebooks#name:Global,type:GLOBAL,id:1#name:Sales,type:TEAM,id:2"]
    );
    w.assert_quiet();
}

/// O-29 in JSON on reply_to, with the correlation id.
#[test]
fn get_phonebooks_in_json_on_reply_to() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send_full(
        "GetPhonebooks#1001",
        "",
        Some("rq"),
        Some("pb"),
        Some(Format::Json),
    );
    let op = w.next_op();
    w.answer(&op, FinesseReply::PhoneBooks(books()));
    assert_eq!(
        w.take_replies("rq"),
        [(
            r#"[{"type":"Phonebooks","phonebooks":[{"name":"Global","id":"1"},{"name":"Sales","id":"2"}]}]"#
                .to_owned(),
            Some("pb".to_owned())
        )]
    );
}

/// Row "Get Team Phonebooks" (Admin) → O-30: only the team books.
#[test]
fn get_team_phonebooks_answers_o30() {
    let mut w = World::standard();
    w.login("2001", "sup-1", "3901");
    w.send("GetTeamPhonebooks#2001", "");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetPhoneBooks);
    w.answer(&op, FinesseReply::PhoneBooks(books()));
    assert_eq!(
        w.take_for("sup-1"),
        ["TeamPhoneBooks#name:Sales,type:TEAM,id:2"]
    );
}

/// Rows "Get Contacts of a Phonebook" (Agent and Admin tables) → O-31.
#[test]
fn get_phonebook_contacts_answers_o31() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("GetPhonebookContacts#1001", "1");
    let op = w.next_op();
    assert_eq!(op.op, Request::GetContacts(ObjectId::parse("1").unwrap()));
    w.answer(
        &op,
        FinesseReply::Contacts(vec![
            support::contact("11", "Eva", "Lind", "4015", "Key account"),
            support::contact("12", "Jo", "Berg", "4016", ""),
        ]),
    );
    let published = w.published.clone();
    assert_eq!(
        w.take_for("crm-7"),
        [
            "PhonebookContacts#description:Key account,firstName:Eva,lastName:Lind,phoneNumber:4015,id:11\
#description:,firstName:Jo,lastName:Berg,phoneNumber:4016,id:12"
        ]
    );
    assert_eq!(
        published[0].event.render(Format::Json),
        r#"[{"type":"PhonebookContacts","phonebookId":"1","contacts":[{"firstName":"Eva","lastName":"Lind","phoneNumber":"4015","contactId":"11"},{"firstName":"Jo","lastName":"Berg","phoneNumber":"4016","contactId":"12"}]}]"#
    );
}

/// Phone book errors: a missing id never reaches Finesse; Finesse's failure is passed on.
#[test]
fn phonebook_errors() {
    let mut w = World::standard();
    w.login("1001", "crm-7", "3001");
    w.send("GetPhonebookContacts#1001", "");
    assert_eq!(w.take_for("crm-7"), ["1001#Error#PLEASE_RETRY"]);
    w.assert_quiet();
    w.send("GetPhonebookContacts#1001", "77");
    let op = w.next_op();
    w.fail(&op, ErrorCode::Finesse("NOT_FOUND".into()));
    assert_eq!(w.take_for("crm-7"), ["1001#Error#NOT_FOUND"]);
}

//! Finesse REST response bodies: every model the REST client parses (User, Dialog and Dialogs,
//! ApiErrors, SystemInfo, Team, Queue(s), ReasonCodes, WrapUpReasons, PhoneBooks, Contacts),
//! each through its public `parse` / `parse_list`, and then through gc-server's `translate`
//! into the engine's types, as the driver does with every response.
//!
//! Property: a body that parses as a `User` or `Dialog` keeps its identity through the
//! translation (the engine sees the same login id / dialog id Finesse sent).
#![no_main]

use gc_finesse::model::api_error::ApiErrors;
use gc_finesse::model::dialog::Dialog;
use gc_finesse::model::phonebook::{Contact, PhoneBook};
use gc_finesse::model::queue::Queue;
use gc_finesse::model::reason::{ReasonCodeInfo, WrapUpReason};
use gc_finesse::model::system::SystemInfo;
use gc_finesse::model::team::Team;
use gc_finesse::model::user::User;
use gc_server::translate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(user) = User::parse(data) {
        assert_eq!(translate::user(&user).login_id, user.login_id.as_str());
        assert_eq!(translate::team_user(&user).login_id, user.login_id.as_str());
    }
    if let Ok(dialog) = Dialog::parse(data) {
        let translated = translate::dialog(&dialog);
        assert_eq!(translated.id, dialog.id.as_str());
        assert_eq!(translated.participants.len(), dialog.participants.len());
    }
    if let Ok(dialogs) = Dialog::parse_list(data) {
        for dialog in &dialogs {
            assert_eq!(translate::dialog(dialog).id, dialog.id.as_str());
        }
    }
    let _ = ApiErrors::parse(data).map(|e| e.gc_code());
    let _ = SystemInfo::parse(data).map(|s| s.is_in_service());
    if let Ok(team) = Team::parse(data) {
        let _ = translate::team(&team);
    }
    let _ = Queue::parse(data);
    if let Ok(queues) = Queue::parse_list(data) {
        let _ = translate::queues(&queues);
    }
    if let Ok(codes) = ReasonCodeInfo::parse_list(data) {
        let _ = translate::reason_codes(&codes);
    }
    if let Ok(reasons) = WrapUpReason::parse_list(data) {
        let _ = translate::wrap_up_reasons(&reasons);
    }
    if let Ok(books) = PhoneBook::parse_list(data) {
        let _ = translate::phone_books(&books);
    }
    if let Ok(contacts) = Contact::parse_list(data) {
        let _ = translate::contacts(&contacts);
    }
});

//! Finesse REST response bodies: every model the REST client parses (User, Dialog and Dialogs,
//! ApiErrors, SystemInfo, Team, Queue(s), ReasonCodes, WrapUpReasons, PhoneBooks, Contacts),
//! each through its public `parse` / `parse_list`, and then through what the engine computes
//! from them (gc-core reads finesse-model's objects as they are: there is no translation step).
//!
//! Properties: the engine finds every participant of a dialog by its media address; a
//! dialog's start time is one of its participants' (or empty); only a TRANSFER dialog names a
//! previous dialog.
#![no_main]

use gc_core::finesse::{self as core, CallType};
use gc_finesse::model::api_error::ApiErrors;
use gc_finesse::model::dialog::Dialog;
use gc_finesse::model::phonebook::{Contact, PhoneBook};
use gc_finesse::model::queue::Queue;
use gc_finesse::model::reason::{ReasonCodeInfo, WrapUpReason};
use gc_finesse::model::system::SystemInfo;
use gc_finesse::model::team::Team;
use gc_finesse::model::user::User;
use libfuzzer_sys::fuzz_target;

fn check_dialog(dialog: &Dialog) {
    for p in &dialog.participants {
        let address = p.media_address.as_deref().unwrap_or_default();
        let found = core::participant(dialog, address).expect("a participant is found by its address");
        assert_eq!(found.media_address.as_deref().unwrap_or_default(), address);
    }
    let start = core::start_time(dialog);
    assert!(
        start.is_empty()
            || dialog
                .participants
                .iter()
                .any(|p| p.start_time.as_deref() == Some(start)),
        "start time {start:?} is no participant's"
    );
    if core::prev_dialog_id(dialog).is_some() {
        assert_eq!(dialog.media_properties.call_type, Some(CallType::Transfer));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(user) = User::parse(data) {
        let _ = core::full_name(&user);
    }
    if let Ok(dialog) = Dialog::parse(data) {
        check_dialog(&dialog);
    }
    if let Ok(dialogs) = Dialog::parse_list(data) {
        dialogs.iter().for_each(check_dialog);
    }
    let _ = ApiErrors::parse(data).map(|e| e.gc_code());
    let _ = SystemInfo::parse(data).map(|s| s.is_in_service());
    let _ = Team::parse(data);
    let _ = Queue::parse(data);
    let _ = Queue::parse_list(data);
    let _ = ReasonCodeInfo::parse_list(data);
    let _ = WrapUpReason::parse_list(data);
    let _ = PhoneBook::parse_list(data);
    let _ = Contact::parse_list(data);
});

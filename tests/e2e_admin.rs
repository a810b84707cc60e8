//! End to end, the seed's Admin Commands table and the phone book rows of the Agent table:
//! GetPhonebooks (O-29), GetTeamPhonebooks (O-30) and GetPhonebookContacts (O-31), from an
//! agent of each team and from the supervisor, with the simulator's phone books (global
//! "Company Directory" 1, team 1 "Billing Partners" 2, team 2 "Support Escalation" 3).

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Env, Options, Props};

/// Rows "Get Team and Global Phonebooks" (Agent and Admin tables) → Phonebooks: the global
/// book and the agent's team book.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_phonebooks_lists_the_global_and_the_team_book() {
    let env = Env::start(Options::default()).await;
    let mut maria = env.desk("1001", "3001").await;
    let mut sofia = env.desk("1005", "3005").await;
    env.send("GetPhonebooks#1001", "").await;
    maria
        .expect(
            "Phonebooks#name:Company Directory,type:GLOBAL,id:1#name:Billing Partners,type:TEAM,id:2",
            json!([{"type": "Phonebooks", "phonebooks": [{"name": "Company Directory", "id": "1"}, {"name": "Billing Partners", "id": "2"}]}]),
        )
        .await;
    env.send("GetPhonebooks#1005", "").await;
    sofia
        .expect(
            "Phonebooks#name:Company Directory,type:GLOBAL,id:1#name:Support Escalation,type:TEAM,id:3",
            json!([{"type": "Phonebooks", "phonebooks": [{"name": "Company Directory", "id": "1"}, {"name": "Support Escalation", "id": "3"}]}]),
        )
        .await;
    env.stop().await;
}

/// Row "Get Team Phonebooks" (Admin table) → TeamPhoneBooks: only team books.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_team_phonebooks_lists_only_team_books() {
    let env = Env::start(Options::default()).await;
    let mut sabine = env.desk("2001", "3901").await;
    sabine.until("2001#TeamInfoNames#").await;
    sabine.events.next().await;
    sabine.events.next().await;
    env.send("GetTeamPhonebooks#2001", "").await;
    sabine
        .expect(
            "TeamPhoneBooks#name:Billing Partners,type:TEAM,id:2",
            json!([{"type": "Phonebooks", "phonebooks": [{"name": "Billing Partners", "id": "2"}]}]),
        )
        .await;
    let mut daniel = env.desk("1006", "3006").await;
    env.send("GetTeamPhonebooks#1006", "").await;
    daniel
        .expect(
            "TeamPhoneBooks#name:Support Escalation,type:TEAM,id:3",
            json!([{"type": "Phonebooks", "phonebooks": [{"name": "Support Escalation", "id": "3"}]}]),
        )
        .await;
    env.stop().await;
}

/// Rows "Get Contacts of a Phonebook" (Agent and Admin tables) → PhonebookContacts. Without a
/// phone book id: PLEASE_RETRY (Finesse sees nothing); an unknown book: GENERAL_ERROR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_phonebook_contacts_lists_the_contacts() {
    let env = Env::start(Options::default()).await;
    let mut maria = env.desk("1001", "3001").await;
    env.send("GetPhonebookContacts#1001", "1").await;
    maria
        .expect(
            "PhonebookContacts#description:Reception,firstName:Front,lastName:Desk,phoneNumber:3000,id:1\
#description:Internal IT support,firstName:IT,lastName:Helpdesk,phoneNumber:3999,id:2\
#description:Key account,firstName:Claudia,lastName:Brandt,phoneNumber:00493012345678,id:3",
            json!([{"type": "PhonebookContacts", "phonebookId": "1", "contacts": [
                {"firstName": "Front", "lastName": "Desk", "phoneNumber": "3000", "contactId": "1"},
                {"firstName": "IT", "lastName": "Helpdesk", "phoneNumber": "3999", "contactId": "2"},
                {"firstName": "Claudia", "lastName": "Brandt", "phoneNumber": "00493012345678", "contactId": "3"}]}]),
        )
        .await;
    // The JSON form on reply_to, with the correlation id.
    let mut reply = env.reply_queue().await;
    env.send_with(
        "GetPhonebookContacts#1001",
        b"2",
        Props {
            reply_to: Some(reply.queue.clone()),
            correlation_id: Some("book-2".into()),
            format: Some("json".into()),
            ..Props::default()
        },
    )
    .await;
    let answer = reply.next().await;
    assert_eq!(
        answer.body,
        r#"[{"type":"PhonebookContacts","phonebookId":"2","contacts":[{"firstName":"Payment","lastName":"Provider","phoneNumber":"00498912345600","contactId":"1"},{"firstName":"Collections","lastName":"Agency","phoneNumber":"00494012345611","contactId":"2"}]}]"#
    );
    assert_eq!(answer.correlation_id(), Some("book-2"));
    maria
        .expect(
            "PhonebookContacts#description:Card disputes,firstName:Payment,lastName:Provider,phoneNumber:00498912345600,id:1\
#description:Overdue accounts,firstName:Collections,lastName:Agency,phoneNumber:00494012345611,id:2",
            json!([{"type": "PhonebookContacts", "phonebookId": "2"}]),
        )
        .await;

    let agent_requests = || async {
        let all = env.sim.control.requests(0).await.unwrap();
        all.iter().filter(|r| r.user.is_some()).count()
    };
    let requests_before = agent_requests().await;
    env.send("GetPhonebookContacts#1001", "").await;
    maria
        .expect(
            "1001#Error#PLEASE_RETRY",
            json!({"type": "Error", "code": "PLEASE_RETRY"}),
        )
        .await;
    assert_eq!(
        agent_requests().await,
        requests_before,
        "nothing reached Finesse"
    );
    env.send("GetPhonebookContacts#1001", "77").await;
    // Finesse answers 404 Not Found: GENERAL_ERROR ("when root cause is unclear").
    maria
        .expect(
            "1001#Error#GENERAL_ERROR",
            json!({"type": "Error", "code": "GENERAL_ERROR"}),
        )
        .await;
    env.stop().await;
}

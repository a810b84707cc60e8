//! One method per Finesse operation the connector needs. Ids come in as gc-protocol newtypes,
//! which only hold URL-path-safe characters, so paths are built by plain concatenation.

use std::fmt::Write as _;

use gc_protocol::{AgentId, DialogId, Extension, ObjectId, ReasonCode};
use reqwest::Method;

use super::{Credentials, RequestId, RestClient, Target};
use crate::Error;
use crate::model::{
    Action, CallVariable, Contact, Dialog, DialogRequest, MobileAgentMode, PhoneBook, Queue,
    ReasonCategory, ReasonCodeInfo, SystemInfo, Team, User, UserRequest, WrapUpReason,
};

const API: &str = "/finesse/api";

impl RestClient {
    // === User ===

    /// `GET /User/{id}` for the agent itself.
    pub async fn get_user(&self, creds: &Credentials) -> Result<User, Error> {
        self.get_user_of(creds, &creds.agent).await
    }

    /// `GET /User/{id}` for another user (admins, or UCCE loginName lookup).
    pub async fn get_user_of(&self, creds: &Credentials, user: &AgentId) -> Result<User, Error> {
        let path = format!("{API}/User/{user}");
        let r = self.get(creds, &path, Target::User(user.as_str())).await?;
        Ok(User::parse(&r)?)
    }

    /// `PUT /User/{id}` with any body; returns the `requestId` that was sent.
    pub async fn put_user(
        &self,
        creds: &Credentials,
        body: &UserRequest,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.put_user_of(creds, &creds.agent, body, id).await
    }

    /// `PUT /User/{agent}` as a supervisor (READY / NOT_READY / LOGOUT without reason).
    pub async fn put_user_of(
        &self,
        creds: &Credentials,
        user: &AgentId,
        body: &UserRequest,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let path = format!("{API}/User/{user}");
        self.write(
            creds,
            Method::PUT,
            &path,
            body.to_xml(),
            id,
            Target::User(user.as_str()),
        )
        .await
    }

    /// LOGIN on an extension.
    pub async fn login(
        &self,
        creds: &Credentials,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.put_user(creds, &UserRequest::login(ext.as_str()), id)
            .await
    }

    /// Mobile agent LOGIN (`ext` = CTI port / remote device DN, `dial_number` = PSTN number).
    pub async fn login_mobile(
        &self,
        creds: &Credentials,
        ext: &Extension,
        mode: MobileAgentMode,
        dial_number: &str,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = UserRequest::login_mobile(ext.as_str(), mode, dial_number);
        self.put_user(creds, &body, id).await
    }

    /// READY.
    pub async fn ready(&self, creds: &Credentials, id: RequestId) -> Result<RequestId, Error> {
        self.put_user(creds, &UserRequest::ready(), id).await
    }

    /// NOT_READY with an optional reason code id.
    pub async fn not_ready(
        &self,
        creds: &Credentials,
        reason: Option<&ReasonCode>,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = UserRequest::not_ready(reason.map(ReasonCode::as_str));
        self.put_user(creds, &body, id).await
    }

    /// LOGOUT with an optional reason code id.
    pub async fn logout(
        &self,
        creds: &Credentials,
        reason: Option<&ReasonCode>,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = UserRequest::logout(reason.map(ReasonCode::as_str));
        self.put_user(creds, &body, id).await
    }

    // === Dialogs ===

    /// `GET /User/{id}/Dialogs`: the agent's current voice dialogs.
    pub async fn get_dialogs(&self, creds: &Credentials) -> Result<Vec<Dialog>, Error> {
        let path = format!("{API}/User/{}/Dialogs", creds.agent);
        let r = self
            .get(creds, &path, Target::User(creds.agent.as_str()))
            .await?;
        Ok(Dialog::parse_list(&r)?)
    }

    /// `GET /Dialog/{id}`.
    pub async fn get_dialog(
        &self,
        creds: &Credentials,
        dialog: &DialogId,
    ) -> Result<Dialog, Error> {
        let path = format!("{API}/Dialog/{dialog}");
        let r = self
            .get(creds, &path, Target::Dialog(dialog.as_str()))
            .await?;
        Ok(Dialog::parse(&r)?)
    }

    /// `POST /User/{id}/Dialogs` (MAKE_CALL, SILENT_MONITOR, BARGE_CALL).
    pub async fn post_dialog(
        &self,
        creds: &Credentials,
        body: &DialogRequest,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let path = format!("{API}/User/{}/Dialogs", creds.agent);
        let target = Target::User(creds.agent.as_str());
        self.write(creds, Method::POST, &path, body.to_xml(), id, target)
            .await
    }

    /// `PUT /Dialog/{id}` with any requested action.
    pub async fn put_dialog(
        &self,
        creds: &Credentials,
        dialog: &DialogId,
        body: &DialogRequest,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let path = format!("{API}/Dialog/{dialog}");
        let target = Target::Dialog(dialog.as_str());
        self.write(creds, Method::PUT, &path, body.to_xml(), id, target)
            .await
    }

    /// MAKE_CALL from the agent's extension, with optional call variables (UCCE).
    pub async fn make_call(
        &self,
        creds: &Credentials,
        from: &Extension,
        to: &str,
        variables: Vec<CallVariable>,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::make_call(from.as_str(), to, variables);
        self.post_dialog(creds, &body, id).await
    }

    /// SILENT_MONITOR: the supervisor (`creds`, at `from`) monitors the agent at `to`.
    pub async fn silent_monitor(
        &self,
        creds: &Credentials,
        from: &Extension,
        to: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::silent_monitor(from.as_str(), to.as_str());
        self.post_dialog(creds, &body, id).await
    }

    /// BARGE_CALL into the call monitored by the supervisor's dialog `monitor`.
    pub async fn barge_call(
        &self,
        creds: &Credentials,
        from: &Extension,
        to: &Extension,
        monitor: &DialogId,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let uri = format!("{API}/Dialog/{monitor}");
        let body = DialogRequest::barge_call(from.as_str(), to.as_str(), &uri);
        self.post_dialog(creds, &body, id).await
    }

    /// An action that only needs the target participant (`ext`): ANSWER, HOLD, RETRIEVE, DROP,
    /// TRANSFER, CONFERENCE, PARTICIPANT_DROP, ACCEPT, REJECT, CLOSE, START_RECORDING, …
    pub async fn dialog_action(
        &self,
        creds: &Credentials,
        dialog: &DialogId,
        action: Action,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::targeted(action, ext.as_str());
        self.put_dialog(creds, dialog, &body, id).await
    }

    /// ANSWER an alerting call at `ext`.
    pub async fn answer(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Answer, ext, id).await
    }

    /// HOLD.
    pub async fn hold(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Hold, ext, id).await
    }

    /// RETRIEVE a held call.
    pub async fn retrieve(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Retrieve, ext, id).await
    }

    /// DROP the agent's own leg (also ends a supervisor's monitor/barge).
    pub async fn drop_call(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Drop, ext, id).await
    }

    /// TRANSFER: complete a consult transfer.
    pub async fn transfer(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Transfer, ext, id).await
    }

    /// CONFERENCE: complete a consult conference.
    pub async fn conference(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Conference, ext, id).await
    }

    /// PARTICIPANT_DROP: remove the participant at `participant` from a conference (UCCE).
    pub async fn participant_drop(
        &self,
        c: &Credentials,
        d: &DialogId,
        participant: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::ParticipantDrop, participant, id)
            .await
    }

    /// ACCEPT an outbound preview reservation.
    pub async fn accept_preview(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Accept, ext, id).await
    }

    /// REJECT an outbound preview reservation.
    pub async fn reject_preview(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Reject, ext, id).await
    }

    /// CLOSE an outbound preview reservation.
    pub async fn close_preview(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.dialog_action(c, d, Action::Close, ext, id).await
    }

    /// CONSULT_CALL from the active call to `to`.
    pub async fn consult_call(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        to: &str,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::to_destination(Action::ConsultCall, ext.as_str(), to);
        self.put_dialog(c, d, &body, id).await
    }

    /// TRANSFER_SST: single-step (blind) transfer to `to`.
    pub async fn transfer_sst(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        to: &str,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::to_destination(Action::TransferSst, ext.as_str(), to);
        self.put_dialog(c, d, &body, id).await
    }

    /// UPDATE_CALL_DATA: call variables and/or the wrap-up reason label.
    pub async fn update_call_data(
        &self,
        c: &Credentials,
        d: &DialogId,
        variables: Vec<CallVariable>,
        wrap_up_reason: Option<&str>,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        let body = DialogRequest::update_call_data(variables, wrap_up_reason);
        self.put_dialog(c, d, &body, id).await
    }

    /// SEND_DTMF digits on the call.
    pub async fn send_dtmf(
        &self,
        c: &Credentials,
        d: &DialogId,
        ext: &Extension,
        digits: &str,
        id: RequestId,
    ) -> Result<RequestId, Error> {
        self.put_dialog(c, d, &DialogRequest::send_dtmf(ext.as_str(), digits), id)
            .await
    }

    // === Supporting resources ===

    /// `GET /User/{id}/ReasonCodes?category=…`.
    pub async fn reason_codes(
        &self,
        creds: &Credentials,
        category: &ReasonCategory,
    ) -> Result<Vec<ReasonCodeInfo>, Error> {
        let path = format!(
            "{API}/User/{}/ReasonCodes?category={}",
            creds.agent,
            query(category.as_str())
        );
        let r = self
            .get(creds, &path, Target::User(creds.agent.as_str()))
            .await?;
        Ok(ReasonCodeInfo::parse_list(&r)?)
    }

    /// `GET /User/{id}/WrapUpReasons`.
    pub async fn wrap_up_reasons(&self, creds: &Credentials) -> Result<Vec<WrapUpReason>, Error> {
        let path = format!("{API}/User/{}/WrapUpReasons", creds.agent);
        let r = self
            .get(creds, &path, Target::User(creds.agent.as_str()))
            .await?;
        Ok(WrapUpReason::parse_list(&r)?)
    }

    /// `GET /User/{id}/PhoneBooks`.
    pub async fn phone_books(&self, creds: &Credentials) -> Result<Vec<PhoneBook>, Error> {
        let path = format!("{API}/User/{}/PhoneBooks", creds.agent);
        let r = self
            .get(creds, &path, Target::User(creds.agent.as_str()))
            .await?;
        Ok(PhoneBook::parse_list(&r)?)
    }

    /// `GET /PhoneBook/{id}/Contacts`.
    pub async fn contacts(
        &self,
        creds: &Credentials,
        book: &ObjectId,
    ) -> Result<Vec<Contact>, Error> {
        let path = format!("{API}/PhoneBook/{book}/Contacts");
        let r = self.get(creds, &path, Target::Other).await?;
        Ok(Contact::parse_list(&r)?)
    }

    /// `GET /Team/{id}` with its users.
    pub async fn team(&self, creds: &Credentials, team: &ObjectId) -> Result<Team, Error> {
        let path = format!("{API}/Team/{team}");
        let r = self.get(creds, &path, Target::Other).await?;
        Ok(Team::parse(&r)?)
    }

    /// `GET /User/{id}/Queues`: the user's queues with statistics.
    pub async fn queues(&self, creds: &Credentials) -> Result<Vec<Queue>, Error> {
        let path = format!("{API}/User/{}/Queues", creds.agent);
        let r = self
            .get(creds, &path, Target::User(creds.agent.as_str()))
            .await?;
        Ok(Queue::parse_list(&r)?)
    }

    /// `GET /Queue/{id}`.
    pub async fn queue(&self, creds: &Credentials, queue: &ObjectId) -> Result<Queue, Error> {
        let path = format!("{API}/Queue/{queue}");
        let r = self.get(creds, &path, Target::Other).await?;
        Ok(Queue::parse(&r)?)
    }

    /// `GET /SystemInfo`, with credentials when given (some releases require them).
    pub async fn system_info(&self, creds: Option<&Credentials>) -> Result<SystemInfo, Error> {
        let path = format!("{API}/SystemInfo");
        let r = self
            .execute(creds, Method::GET, &path, None, None, Target::Other)
            .await?;
        Ok(SystemInfo::parse(&r.body)?)
    }

    // === plumbing ===

    async fn get(
        &self,
        creds: &Credentials,
        path: &str,
        target: Target<'_>,
    ) -> Result<Vec<u8>, Error> {
        let r = self
            .execute(Some(creds), Method::GET, path, None, None, target)
            .await?;
        Ok(r.body)
    }

    async fn write(
        &self,
        creds: &Credentials,
        method: Method,
        path: &str,
        body: String,
        id: RequestId,
        target: Target<'_>,
    ) -> Result<RequestId, Error> {
        tracing::debug!(agent = %creds.agent, %method, path, request_id = %id, "Finesse write");
        self.execute(Some(creds), method, path, Some(body), Some(&id), target)
            .await?;
        Ok(id)
    }
}

/// Percent-encodes a query value (only the few characters reason categories could contain).
fn query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

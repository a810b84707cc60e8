//! Carrying out the engine's Finesse operations with gc-finesse's REST client.

use gc_core::finesse::{
    DialogAction, FinesseOp, FinesseReply, MobileMode, ReasonCategory, TargetState,
};
use gc_finesse::model::{self as m, CallVariable};
use gc_finesse::{Credentials, RequestId, RestClient};

use crate::translate;

/// A short name of the operation, for metrics labels.
pub(crate) fn op_name(op: &FinesseOp) -> &'static str {
    match op {
        FinesseOp::GetUser => "get_user",
        FinesseOp::GetTeamMember { .. } => "get_team_member",
        FinesseOp::Login { .. } => "login",
        FinesseOp::SetState { .. } => "set_state",
        FinesseOp::GetDialogs => "get_dialogs",
        FinesseOp::MakeCall { .. } => "make_call",
        FinesseOp::DialogAction { .. } => "dialog_action",
        FinesseOp::SilentMonitor { .. } => "silent_monitor",
        FinesseOp::BargeCall { .. } => "barge_call",
        FinesseOp::GetReasonCodes(_) => "get_reason_codes",
        FinesseOp::GetWrapUpReasons => "get_wrap_up_reasons",
        FinesseOp::GetPhoneBooks => "get_phone_books",
        FinesseOp::GetContacts(_) => "get_contacts",
        FinesseOp::GetTeam(_) => "get_team",
        FinesseOp::GetQueues => "get_queues",
    }
}

/// Performs `op` as the agent and returns what the engine expects back.
pub(crate) async fn execute(
    rest: &RestClient,
    creds: &Credentials,
    request_id: &str,
    op: FinesseOp,
) -> Result<FinesseReply, gc_finesse::Error> {
    let id = || RequestId::new(request_id);
    let accepted = |r: Result<RequestId, gc_finesse::Error>| r.map(|_| FinesseReply::Accepted);
    match op {
        FinesseOp::GetUser => rest
            .get_user(creds)
            .await
            .map(|u| FinesseReply::User(translate::user(&u))),
        FinesseOp::GetTeamMember { member } => rest
            .get_user_of(creds, &member)
            .await
            .map(|u| FinesseReply::User(translate::user(&u))),
        FinesseOp::Login {
            extension,
            mobile: None,
        } => accepted(rest.login(creds, &extension, id()).await),
        FinesseOp::Login {
            extension,
            mobile: Some((number, mode)),
        } => {
            let mode = match mode {
                MobileMode::CallByCall => m::MobileAgentMode::CallByCall,
                MobileMode::NailedConnection => m::MobileAgentMode::NailedConnection,
            };
            accepted(
                rest.login_mobile(creds, &extension, mode, number.as_str(), id())
                    .await,
            )
        }
        FinesseOp::SetState { state, reason } => accepted(match state {
            TargetState::Ready => rest.ready(creds, id()).await,
            TargetState::NotReady => rest.not_ready(creds, reason.as_ref(), id()).await,
            TargetState::Logout => rest.logout(creds, reason.as_ref(), id()).await,
        }),
        FinesseOp::GetDialogs => rest
            .get_dialogs(creds)
            .await
            .map(|d| FinesseReply::Dialogs(d.iter().map(translate::dialog).collect())),
        FinesseOp::MakeCall { from, to } => accepted(
            rest.make_call(creds, &from, to.as_str(), Vec::new(), id())
                .await,
        ),
        FinesseOp::DialogAction {
            dialog,
            target,
            action,
        } => accepted(match action {
            DialogAction::Answer => rest.answer(creds, &dialog, &target, id()).await,
            DialogAction::Hold => rest.hold(creds, &dialog, &target, id()).await,
            DialogAction::Retrieve => rest.retrieve(creds, &dialog, &target, id()).await,
            DialogAction::Drop => rest.drop_call(creds, &dialog, &target, id()).await,
            DialogAction::ConsultCall { to } => {
                rest.consult_call(creds, &dialog, &target, to.as_str(), id())
                    .await
            }
            DialogAction::Transfer => rest.transfer(creds, &dialog, &target, id()).await,
            DialogAction::TransferSst { to } => {
                rest.transfer_sst(creds, &dialog, &target, to.as_str(), id())
                    .await
            }
            DialogAction::Conference => rest.conference(creds, &dialog, &target, id()).await,
            DialogAction::UpdateCallData {
                variables,
                wrap_up_reason,
            } => {
                let variables = variables
                    .into_iter()
                    .map(|(n, v)| CallVariable::new(n, v))
                    .collect();
                rest.update_call_data(creds, &dialog, variables, wrap_up_reason.as_deref(), id())
                    .await
            }
            DialogAction::ParticipantDrop { participant } => {
                rest.participant_drop(creds, &dialog, &participant, id())
                    .await
            }
            DialogAction::Accept => rest.accept_preview(creds, &dialog, &target, id()).await,
            DialogAction::Reject => rest.reject_preview(creds, &dialog, &target, id()).await,
            DialogAction::Close => rest.close_preview(creds, &dialog, &target, id()).await,
        }),
        FinesseOp::SilentMonitor { from, to } => {
            accepted(rest.silent_monitor(creds, &from, &to, id()).await)
        }
        FinesseOp::BargeCall {
            from,
            to,
            monitor_dialog,
        } => accepted(
            rest.barge_call(creds, &from, &to, &monitor_dialog, id())
                .await,
        ),
        FinesseOp::GetReasonCodes(category) => {
            let category = match category {
                ReasonCategory::NotReady => m::ReasonCategory::NotReady,
                ReasonCategory::Logout => m::ReasonCategory::Logout,
            };
            rest.reason_codes(creds, &category)
                .await
                .map(|c| FinesseReply::ReasonCodes(translate::reason_codes(&c)))
        }
        FinesseOp::GetWrapUpReasons => rest
            .wrap_up_reasons(creds)
            .await
            .map(|r| FinesseReply::WrapUpReasons(translate::wrap_up_reasons(&r))),
        FinesseOp::GetPhoneBooks => rest
            .phone_books(creds)
            .await
            .map(|b| FinesseReply::PhoneBooks(translate::phone_books(&b))),
        FinesseOp::GetContacts(book) => rest
            .contacts(creds, &book)
            .await
            .map(|c| FinesseReply::Contacts(translate::contacts(&c))),
        FinesseOp::GetTeam(team) => rest
            .team(creds, &team)
            .await
            .map(|t| FinesseReply::Team(translate::team(&t))),
        FinesseOp::GetQueues => rest
            .queues(creds)
            .await
            .map(|q| FinesseReply::Queues(translate::queues(&q))),
    }
}

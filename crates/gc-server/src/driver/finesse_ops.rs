//! Carrying out the engine's Finesse operations with gc-finesse's REST client.

use gc_core::finesse::{FinesseOp, FinesseReply};
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
    let request = translate::request(op);
    let reply = rest
        .perform(creds, &RequestId::new(request_id), &request)
        .await?;
    Ok(translate::reply(reply))
}
